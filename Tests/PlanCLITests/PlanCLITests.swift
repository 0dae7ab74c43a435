import Foundation
import Graph
import Testing

/// The command-line tool, end to end: the built `plan-cli` run as a user runs it.
@Suite("plan-cli end to end")
struct PlanCLITests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The built tool: next to the test bundle (SwiftPM builds it for this test target).
    static func toolURL() throws -> URL {
        var candidates: [URL] = []
        let testBinary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var dir = testBinary.deletingLastPathComponent()
        for _ in 0..<4 {
            candidates.append(dir.appendingPathComponent("plan-cli"))
            dir = dir.deletingLastPathComponent()
        }
        candidates.append(Bundle.main.bundleURL.appendingPathComponent("plan-cli"))
        candidates.append(root.appendingPathComponent(".build/debug/plan-cli"))
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: candidates.map(\.path).joined(separator: ", ")])
        }
        return found
    }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static func run(_ arguments: [String]) throws -> Result {
        let process = Process()
        process.executableURL = try toolURL()
        process.arguments = arguments
        process.currentDirectoryURL = root
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self), stderr: String(decoding: errData, as: UTF8.self))
    }

    @Test func analyzeTableOnABundledModel() throws {
        let r = try Self.run(["analyze", "fixtures/models/vgg16.json", "--hardware", "fixtures/hardware/edge-npu.json"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("features.0"))
        #expect(r.stdout.contains("parameters:"))
        #expect(r.stdout.contains("138 M (138357544)"))
        #expect(r.stdout.contains("compute") || r.stdout.contains("memory"))
    }

    @Test func analyzeJSONParsesAndHasTheTrainingLayers() throws {
        let r = try Self.run(["analyze", "fixtures/models/resnet50.json", "--training", "--optimizer", "momentum", "--batch", "8", "--format", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        let doc = try JSONValue.parse(r.stdout)
        #expect(doc.objectValue?["batch"] == .number(8))
        let layers = try #require(doc.objectValue?["layers"]?.arrayValue)
        #expect(layers.contains { $0.objectValue?["phase"] == .string("backward") })
        #expect(layers.contains { $0.objectValue?["phase"] == .string("update") })
        #expect(doc.objectValue?["totals"]?.objectValue?["parameter_count"] == .number(25_557_032))
    }

    @Test func analyzeCSVHasOneRowPerLayer() throws {
        let r = try Self.run(["analyze", "fixtures/models/vgg16.json", "--format", "csv", "--hardware", "fixtures/hardware/microcontroller.json"])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n")
        #expect(lines.count == 1 + 40)
        #expect(lines[0].hasPrefix("layer,op,phase,macs,flops"))
    }

    @Test func exportRoundTrips() throws {
        let r = try Self.run(["export", "fixtures/models/vgg16.json", "--training"])
        #expect(r.status == 0, "\(r.stderr)")
        let g = try ComputeGraph(nativeJSON: JSONValue.parse(r.stdout))
        let original = try ComputeGraph.load(contentsOf: Self.root.appendingPathComponent("fixtures/models/vgg16.json").path).training()
        #expect(g.layers == original.layers)
        #expect(g.keepEverythingProfile() == original.keepEverythingProfile())
    }

    @Test func badInputGivesAClearErrorAndNonZeroStatus() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("plan-cli-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let bad = dir.appendingPathComponent("bad.json")
        try #"{"tensors": [{"name": "x", "shape": [2], "kind": "input"}], "layers": [{"name": "r", "op": "relu", "inputs": ["x"], "outputs": ["y"]}]}"#
            .write(to: bad, atomically: true, encoding: .utf8)
        let r = try Self.run(["analyze", bad.path])
        #expect(r.status != 0)
        #expect(r.stderr.contains("bad.json: layers[0].outputs[0]: unknown tensor 'y'"))

        let missing = try Self.run(["analyze", dir.appendingPathComponent("nope.json").path])
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("nope.json: cannot read: no such file"))

        let conflicting = try Self.run(["analyze", "fixtures/models/vgg16.json", "--inference", "--training"])
        #expect(conflicting.status != 0)
        #expect(conflicting.stderr.contains("--inference cannot be combined"))
    }
}

@Suite("plan-cli plan and verify end to end")
struct PlanVerifyCLITests {
    @Test func planWritesAPlanThatVerifyAccepts() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("plan-cli-plan-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let plan = dir.appendingPathComponent("plan.json").path
        let svg = dir.appendingPathComponent("memory.svg").path
        let r = try PlanCLITests.run(["plan", "fixtures/models/resnet50.json", "--training", "--batch", "4", "--budget", "85%", "--solver", "chen-greedy", "-o", plan])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("solver:") && r.stdout.contains("overhead"))
        let v = try PlanCLITests.run(["verify", "fixtures/models/resnet50.json", "--training", "--batch", "4", plan, "--budget", "85%", "--svg", svg])
        #expect(v.status == 0, "\(v.stderr)")
        #expect(v.stdout.contains("valid plan"))
        #expect(try String(contentsOfFile: svg, encoding: .utf8).hasPrefix("<svg"))
        // The same plan against a smaller budget is rejected with the step that breaks it.
        let tight = try PlanCLITests.run(["verify", "fixtures/models/resnet50.json", "--training", "--batch", "4", plan, "--budget", "10%"])
        #expect(tight.status != 0)
        #expect(tight.stderr.contains("exceeds the budget"))
    }

    @Test func infeasibleBudgetSaysWhatIsFeasible() throws {
        let r = try PlanCLITests.run(["plan", "fixtures/models/vgg16.json", "--training", "--batch", "2", "--budget", "1MiB", "--solver", "checkpoint-all"])
        #expect(r.status != 0)
        #expect(r.stderr.contains("no plan fits 1.00 MiB") && r.stderr.contains("smallest feasible budget found is"))
    }

    @Test func badBudgetIsAClearError() throws {
        let r = try PlanCLITests.run(["plan", "fixtures/models/vgg16.json", "--training", "--budget", "lots"])
        #expect(r.status != 0)
        #expect(r.stderr.contains("--budget 'lots' is neither a byte count"))
    }

    @Test func aBrokenPlanIsRejectedAtItsFirstBadStep() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("plan-cli-bad-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let plan = dir.appendingPathComponent("bad.json")
        try #"{"version": 1, "steps": [{"compute": "features.0"}, {"compute": "features.2"}]}"#.write(to: plan, atomically: true, encoding: .utf8)
        let r = try PlanCLITests.run(["verify", "fixtures/models/vgg16.json", plan.path])
        #expect(r.status != 0)
        #expect(r.stderr.contains("steps[1] (compute features.2): input 'features.1' is not resident (compute 'features.1' first)"))
    }
}
