import Foundation
import Testing

/// Arguments a user can get wrong, and the resident-memory limit (issue 18): negative,
/// hexadecimal and malformed numbers are refused with a message that says what is allowed; the
/// memory limit stops the searches early with the best plan, run as its own process.
@Suite("plan-cli arguments and limits")
struct ArgumentAndLimitCLITests {
    static let graph = "fixtures/models/vgg16.json"

    @Test(arguments: [
        (["plan", graph, "--budget", "-5"], "a budget is a positive decimal number of bytes"),
        (["plan", graph, "--budget", "-10%"], "a budget is a positive decimal number of bytes"),
        (["plan", graph, "--budget", "0x10"], "hexadecimal is not read"),
        (["verify", graph, "plan.json", "--budget", "-1"], "a budget is a positive decimal number of bytes"),
        (["plan", graph, "--budget", "50%", "--batch", "-3"], "--batch must be a positive integer, got -3"),
        (["plan", graph, "--budget", "50%", "--time-limit", "-1"], "--time-limit must be a positive number of seconds"),
        (["plan", graph, "--budget", "50%", "--memory-limit", "1KiB"], "--memory-limit '1KiB' is not a memory size"),
        (["plan", graph, "--budget", "50%", "--memory-limit", "-4GiB"], "is not a memory size"),
        (["bench", graph, "--budgets", "0"], "--budgets must be a count from 1 to 1000"),
        (["bench", graph, "--jobs", "0"], "--jobs must be from 1 to 256"),
        (["bench", graph, "--time-limit", "nan"], "--time-limit must be a positive number of seconds"),
    ])
    func malformedNumbersSayWhatIsAllowed(arguments: [String], message: String) throws {
        let r = try PlanCLITests.run(arguments)
        #expect(r.status == 64, "\(r.stderr)")
        #expect(r.stderr.contains(message), "\(r.stderr)")
        #expect(!r.stderr.contains("Missing value"), "\(r.stderr)")
    }

    /// A limit below what the process already holds is reached at the first check: the ilp
    /// stops there and returns the best baseline's plan, labelled, with a note on standard error.
    @Test func memoryLimitStopsTheSearchWithTheBestPlan() throws {
        let r = try PlanCLITests.run(["plan", Self.graph, "--training", "--budget", "70%", "--memory-limit", "4MiB", "--time-limit", "30"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("ilp stopped at the memory limit of 4.00 MiB"), "\(r.stdout)")
        #expect(r.stderr.contains("note: resident memory reached --memory-limit 4.00 MiB"), "\(r.stderr)")
        // Without the limit the same call searches on and reports no such stop.
        let free = try PlanCLITests.run(["plan", Self.graph, "--training", "--budget", "70%", "--memory-limit", "none", "--time-limit", "2"])
        #expect(free.status == 0, "\(free.stderr)")
        #expect(!free.stdout.contains("memory limit"))
    }
}
