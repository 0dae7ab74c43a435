import Foundation
import Testing

/// General DAGs through the tool: Moccasin's random-layered format read directly, the
/// lifetime-split heuristic, `--progress` naming each phase, and answers within the limit.
@Suite("plan-cli on general DAGs")
struct GeneralDAGCLITests {
    /// A 12-node layered DAG in Moccasin's format (one output node), written to a temporary file.
    static func graphFile() throws -> String {
        let links: [(Int, Int)] = [(0, 3), (1, 3), (1, 4), (2, 4), (2, 5), (3, 6), (4, 6), (4, 7), (5, 7), (0, 7),
                                   (6, 8), (7, 8), (7, 9), (3, 9), (8, 10), (9, 10), (9, 11), (10, 11), (1, 11)]
        let nodes = (0..<12).map { #"{"name": \#($0), "out_cost": \#(10 + ($0 * 7) % 23), "duration": \#(1 + ($0 * 5) % 9), "param_cost": 0}"# }
        let text = #"{"directed": true, "graph": {"name": "rl12", "order": [\#((0..<12).map(String.init).joined(separator: ", "))]}, "nodes": [\#(nodes.joined(separator: ", "))], "links": [\#(links.map { #"{"0": \#($0.0), "1": \#($0.1)}"# }.joined(separator: ", "))]}"#
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("rl12-\(UUID().uuidString).json").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func plansAMoccasinGraphWithProgress() throws {
        let graph = try Self.graphFile()
        defer { try? FileManager.default.removeItem(atPath: graph) }
        let plan = graph + ".plan.json"
        defer { try? FileManager.default.removeItem(atPath: plan) }
        let r = try PlanCLITests.run(["plan", graph, "--budget", "85%", "--time-limit", "5", "--progress", "-o", plan])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("graph:             rl12 (12 layers)"))
        // Each phase is named as it starts, the first one at once.
        #expect(r.stderr.contains("] baselines"))
        #expect(r.stderr.contains("] eviction search"))
        // The written plan replays within the budget.
        let v = try PlanCLITests.run(["verify", graph, plan])
        #expect(v.status == 0, "\(v.stderr)")
        // A plan over its own recorded budget is invalid (issue 18).
        var json = try String(contentsOfFile: plan, encoding: .utf8)
        let recorded = try #require(json.range(of: #""budget_bytes": [0-9]+"#, options: .regularExpression))
        json.replaceSubrange(recorded, with: #""budget_bytes": 1"#)
        try json.write(toFile: plan, atomically: true, encoding: .utf8)
        let over = try PlanCLITests.run(["verify", graph, plan])
        #expect(over.status != 0)
        #expect(over.stderr.contains("exceeds the budget 1 B"))
        let split = try PlanCLITests.run(["plan", graph, "--budget", "85%", "--solver", "lifetime-split"])
        #expect(split.status == 0, "\(split.stderr)")
        #expect(split.stdout.contains("solver:            lifetime-split"))
        #expect(split.stdout.contains("heuristic"))
    }

    @Test func badOrderIsAClearError() throws {
        let graph = try Self.graphFile()
        defer { try? FileManager.default.removeItem(atPath: graph) }
        let text = try String(contentsOfFile: graph, encoding: .utf8).replacingOccurrences(of: #""order": [0, 1, 2, 3"#, with: #""order": [3, 1, 2, 0"#)
        try text.write(toFile: graph, atomically: true, encoding: .utf8)
        let r = try PlanCLITests.run(["analyze", graph])
        #expect(r.status != 0)
        #expect(r.stderr.contains("graph.order: is not a topological order: node 3 comes before node 0, which it reads"))
    }
}
