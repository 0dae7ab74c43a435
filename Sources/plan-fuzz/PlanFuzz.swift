import ArgumentParser
import Foundation

/// The fuzz target: mutated graphs (native, node-link, random-layered), plans, hardware files
/// and command lines fed to a built `plan-cli`, each run judged by its exit and messages
/// (``ToolRun/judge(_:_:folder:cap:)``). docs/fuzzing.md describes it.
@main
struct PlanFuzz: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan-fuzz",
        abstract: "Fuzz plan-cli with mutated inputs and arguments; report crashes, hangs and unclear messages.",
        discussion: """
        Case i of seed s is the same on any machine and with any --jobs, so a failure found in a
        long run is replayed by --start i --cases 1. Failing cases are saved, one folder each,
        with the files, the command (cmd.txt, run from that folder) and what the tool printed.
        Exit status 1 when any case fails.
        """
    )

    @Option(help: "Number of cases.") var cases: Int = 1000
    @Option(help: "Index of the first case.") var start: UInt64 = 0
    @Option(help: "Seed of the run.") var seed: UInt64 = 1
    @Option(help: "Cases run at once (default: the number of cores).") var jobs: Int = ProcessInfo.processInfo.activeProcessorCount
    @Option(help: "The plan-cli executable (default: the one built beside plan-fuzz).") var tool: String?
    @Option(help: "Folder of seed inputs.") var seeds: String = "fuzz/seeds"
    @Option(help: "Folder for failing cases (emptied first).") var failures: String = "fuzz/failures"
    @Option(help: "Seconds after which a case is killed.") var cap: Double = 20
    @Flag(help: "Also list the most frequent clear error messages (what the mutations reach).") var showErrors = false
    @Flag(help: "Check that the oracle flags a crash, a hang, a trap message, a non-finite result and a broken output file, then exit.") var selfTest = false

    func validate() throws {
        guard cases > 0 else { throw ValidationError("--cases must be positive") }
        guard (1...64).contains(jobs) else { throw ValidationError("--jobs must be from 1 to 64") }
        guard cap > 0, cap.isFinite else { throw ValidationError("--cap must be a positive number of seconds") }
    }

    func run() throws {
        if selfTest { return try Self.checkOracle() }
        let toolPath = tool ?? URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("plan-cli").path
        guard FileManager.default.isExecutableFile(atPath: toolPath) else { throw ValidationError("no plan-cli at \(toolPath): build it, or give --tool") }
        let seedSet = try FuzzCase.Seeds(folder: seeds)
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("plan-fuzz-\(getpid())")
        defer { try? FileManager.default.removeItem(at: work) }
        // A copy of the tool, so that rebuilding it during a long run does not stop the run.
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        let copy = work.appendingPathComponent("plan-cli").path
        try FileManager.default.copyItem(atPath: toolPath, toPath: copy)
        let failureFolder = URL(fileURLWithPath: failures)
        try? FileManager.default.removeItem(at: failureFolder)

        let tally = Tally()
        let began = ContinuousClock.now
        let (cases, start, seed, cap) = (self.cases, self.start, self.seed, self.cap)
        DispatchQueue.concurrentPerform(iterations: jobs) { worker in
            let folder = work.appendingPathComponent("w\(worker)")
            while let i = tally.take(below: cases) {
                let index = start + UInt64(i)
                let c = FuzzCase.make(seed: seed, index: index, seeds: seedSet)
                do {
                    let r = try ToolRun.run(c, tool: copy, folder: folder, cap: cap)
                    if tally.record(r, index: index, began: began) { try? Self.save(c, r, index: index, from: folder, to: failureFolder) }
                } catch {
                    tally.stop(error)
                }
            }
        }
        let (counts, failed, signatures, slowest, setupError) = tally.results
        if let setupError { throw setupError }
        let d = ContinuousClock.now - began
        let seconds = Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
        print("plan-fuzz: \(cases) cases (seed \(seed), from \(start)) in \(String(format: "%.1f", seconds)) s, \(jobs) jobs, slowest case \(String(format: "%.1f", slowest)) s")
        for (name, n) in counts.sorted(by: { $0.value > $1.value }) { print("  \(name): \(n)") }
        if showErrors {
            let messages = tally.errorMessages
            print("\(messages.count) distinct clear errors; the most frequent:")
            for (m, n) in messages.sorted(by: { $0.value > $1.value }).prefix(40) { print("  \(n) × \(m)") }
        }
        if failed.isEmpty {
            print("no crashes, hangs or unclear messages")
            return
        }
        print("\(failed.count) failing cases, \(signatures.count) distinct; saved under \(failures):")
        for (signature, n) in signatures.sorted(by: { $0.value > $1.value }) {
            let first = failed.first { $0.signature == signature }!
            print("  \(n) × \(signature)  (first: case \(first.index))")
        }
        throw ExitCode.failure
    }

    /// The oracle's own test: runs that must fail are judged failures, runs that must pass are
    /// not (so that a clean fuzz run means something).
    static func checkOracle() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("plan-fuzz-self-\(getpid())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let plan = FuzzCase(arguments: ["plan", "{graph}", "--budget", "50%", "--time-limit", "1", "-o", "{out}"], files: [:], mutated: [])
        let analyze = FuzzCase(arguments: ["analyze", "{graph}"], files: [:], mutated: [])
        func run(_ edit: (inout ToolRun) -> Void) -> ToolRun { var r = ToolRun(); edit(&r); return r }
        let cases: [(String, ToolRun, FuzzCase, Bool)] = [
            ("signal", run { $0.signalled = true; $0.status = 4 }, analyze, true),
            ("timeout", run { $0.timedOut = true }, plan, true),
            ("exit 2", run { $0.status = 2; $0.stderr = "Error: x" }, analyze, true),
            ("trap text", run { $0.status = 1; $0.stderr = "Error: Fatal error: Double value cannot be converted" }, analyze, true),
            ("no Error line", run { $0.status = 1; $0.stderr = "something went wrong" }, analyze, true),
            ("Foundation code", run { $0.status = 1; $0.stderr = "Error: The operation could not be completed (NSCocoaErrorDomain error 512)" }, analyze, true),
            ("nan result", run { $0.stdout = "overhead -nanx" }, analyze, true),
            ("inf result", run { $0.stdout = "total inf EFLOP" }, analyze, true),
            ("internal", run { $0.status = 1; $0.stderr = "Error: plan incomplete: graph output 'n1' is not resident at the end" }, plan, true),
            ("missing output", run { $0.stdout = "plan written" }, plan, true),
            ("clear error", run { $0.status = 64; $0.stderr = "Error: --budget '-5' is neither a byte count" }, plan, false),
            ("inference is a word", run { $0.stdout = "inference view, 3 layers" }, analyze, false),
        ]
        var wrong: [String] = []
        for (name, r, c, mustFail) in cases where judge(r, c, folder: folder) != mustFail { wrong.append(name) }
        guard wrong.isEmpty else { throw FuzzError("the oracle misjudges: \(wrong.joined(separator: ", "))") }
        print("plan-fuzz self-test: the oracle judges all \(cases.count) synthetic runs right")
    }

    private static func judge(_ r: ToolRun, _ c: FuzzCase, folder: URL) -> Bool {
        ToolRun.judge(r, c, folder: folder, cap: 20).isFailure
    }

    /// What the workers share, behind a lock.
    final class Tally: @unchecked Sendable {
        private let lock = NSLock()
        private var next = 0
        private var stopped = false
        private var counts: [String: Int] = [:]
        private var failed: [(index: UInt64, verdict: ToolRun.Verdict, signature: String)] = []
        private var signatures: [String: Int] = [:]
        private var slowest = 0.0
        private var error: Error?
        private var messages: [String: Int] = [:]

        /// The next case's position, `nil` once all `count` are taken or the run stopped.
        func take(below count: Int) -> Int? {
            lock.lock(); defer { lock.unlock() }
            guard !stopped, next < count else { return nil }
            next += 1
            return next - 1
        }

        func stop(_ e: Error) {
            lock.lock(); defer { lock.unlock() }
            error = e
            stopped = true
        }

        /// Counts the run; whether to save it (a failure among the first three of its kind).
        func record(_ r: ToolRun, index: UInt64, began: ContinuousClock.Instant) -> Bool {
            lock.lock(); defer { lock.unlock() }
            counts[r.verdict.name, default: 0] += 1
            slowest = max(slowest, r.seconds)
            var keep = false
            if r.verdict == .clearError { messages[PlanFuzz.signature(r), default: 0] += 1 }
            if r.verdict.isFailure {
                let signature = PlanFuzz.signature(r)
                failed.append((index, r.verdict, signature))
                signatures[signature, default: 0] += 1
                keep = signatures[signature]! <= 3
            }
            let done = counts.values.reduce(0, +)
            if done % 1000 == 0 {
                let s = (ContinuousClock.now - began).components.seconds
                FileHandle.standardError.write(Data("  \(done) cases, \(failed.count) failing, \(s) s\n".utf8))
            }
            return keep
        }

        var results: ([String: Int], [(index: UInt64, verdict: ToolRun.Verdict, signature: String)], [String: Int], Double, Error?) {
            lock.lock(); defer { lock.unlock() }
            return (counts, failed, signatures, slowest, error)
        }

        var errorMessages: [String: Int] {
            lock.lock(); defer { lock.unlock() }
            return messages
        }
    }

    /// What identifies a failure: its verdict and the first line of the message, digits and
    /// quoted names removed.
    static func signature(_ r: ToolRun) -> String {
        let line = (r.stderr.split(separator: "\n").first { $0.contains("rror") || $0.contains("atal") } ?? r.stderr.split(separator: "\n").first ?? "")
        var s = String(line.prefix(160))
        s = s.replacingOccurrences(of: "[0-9]+", with: "#", options: .regularExpression)
        s = s.replacingOccurrences(of: "'[^']*'", with: "'…'", options: .regularExpression)
        return "\(r.verdict.name): \(s)"
    }

    static func save(_ c: FuzzCase, _ r: ToolRun, index: UInt64, from folder: URL, to failures: URL) throws {
        let fm = FileManager.default
        let target = failures.appendingPathComponent("case-\(index)")
        try fm.createDirectory(at: failures, withIntermediateDirectories: true)
        try? fm.removeItem(at: target)
        try fm.copyItem(at: folder, to: target)
        let quoted = ToolRun.concreteArguments(c).map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }
        let note = "plan-cli " + quoted.joined(separator: " ") + "\n# verdict: \(r.verdict.name); mutated: \(c.mutated.joined(separator: ", ")); exit \(r.status), \(String(format: "%.2f", r.seconds)) s\n"
        try note.write(to: target.appendingPathComponent("cmd.txt"), atomically: true, encoding: .utf8)
    }
}
