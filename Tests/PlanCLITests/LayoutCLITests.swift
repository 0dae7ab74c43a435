import Foundation
import Graph
import Testing

/// `plan-cli layout`, `plan --layout` and `verify --layout`, run as a user runs them.
@Suite("plan-cli layout end to end")
struct LayoutCLITests {
    static let graph = ["fixtures/models/exported/mobilenet_v2_mcu-train.json"]

    @Test func laysOutAPlanAndVerifiesItsOffsets() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("plan-cli-layout-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let plan = dir.appendingPathComponent("plan.json").path, laid = dir.appendingPathComponent("laid.json").path
        let svg = dir.appendingPathComponent("layout.svg").path
        var r = try PlanCLITests.run(["plan"] + Self.graph + ["--budget", "200%", "--solver", "best-baseline", "-o", plan])
        #expect(r.status == 0, "\(r.stderr)")
        r = try PlanCLITests.run(["layout"] + Self.graph + [plan, "--alignment", "256", "--time-limit", "2", "--svg", svg, "-o", laid])
        #expect(r.status == 0, "\(r.stderr)")
        for s in ["greedy-by-size", "greedy-by-conflict", "hill-climb", "best ("] { #expect(r.stdout.contains("| \(s)"), "\(r.stdout)") }
        #expect(try String(contentsOfFile: svg, encoding: .utf8).contains("<rect"))
        let doc = try JSONValue.parse(try String(contentsOfFile: laid, encoding: .utf8))
        let layout = try #require(doc.objectValue?["layout"]?.objectValue)
        #expect(layout["alignment"] == .number(256))
        let offsets = try #require(layout["offsets"]?.arrayValue)
        #expect(offsets.allSatisfy { ($0.objectValue?["offset"]?.intValue ?? 1) % 256 == 0 })
        #expect(offsets.contains { $0.objectValue?["step"] == .number(-1) })
        r = try PlanCLITests.run(["verify"] + Self.graph + [laid, "--layout"])
        #expect(r.status == 0 && r.stdout.contains("layout: valid"), "\(r.stdout)\(r.stderr)")
        // Without a layout member, and with two instances moved onto one another.
        r = try PlanCLITests.run(["verify"] + Self.graph + [plan, "--layout"])
        #expect(r.status == 1 && r.stderr.contains("no \"layout\" member"), "\(r.stderr)")
        let text = try String(contentsOfFile: laid, encoding: .utf8)
        let nonzero = try Regex(#""offset": [1-9][0-9]*"#)
        let tampered = text.replacing(nonzero, with: "\"offset\": 0")
        let bad = dir.appendingPathComponent("bad.json").path
        try tampered.write(toFile: bad, atomically: true, encoding: .utf8)
        r = try PlanCLITests.run(["verify"] + Self.graph + [bad, "--layout"])
        #expect(r.status == 1 && r.stderr.contains("overlaps"), "\(r.stderr)")
    }

    @Test func planWithLayoutFitsItsArenaInTheBudget() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("plan-cli-layout-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let plan = dir.appendingPathComponent("plan.json").path
        var r = try PlanCLITests.run(["plan"] + Self.graph + ["--budget", "95%", "--solver", "best-baseline", "--layout", "--time-limit", "20", "-o", plan])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("fit after layout:"), "\(r.stdout)")
        let doc = try JSONValue.parse(try String(contentsOfFile: plan, encoding: .utf8))
        let arena = try #require(doc.objectValue?["layout"]?.objectValue?["arena_bytes"]?.intValue)
        let budget = try #require(doc.objectValue?["budget_bytes"]?.intValue)
        #expect(arena <= budget)
        r = try PlanCLITests.run(["verify"] + Self.graph + [plan, "--layout"])
        #expect(r.status == 0 && r.stdout.contains("layout: valid"), "\(r.stdout)\(r.stderr)")
        r = try PlanCLITests.run(["layout"] + Self.graph + [plan, "--alignment", "0"])
        #expect(r.status == 64 && r.stderr.contains("--alignment"))
    }
}
