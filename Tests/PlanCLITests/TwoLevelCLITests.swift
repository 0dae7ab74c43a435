import Foundation
import Testing

/// `plan` with the two-level solvers and `verify` of two-level plans, run as a user runs them.
@Suite("plan-cli two-level end to end")
struct TwoLevelCLITests {
    @Test func planStreamsOnADeviceAndVerifyReplaysItInTime() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("plan-cli-2l-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let plan = dir.appendingPathComponent("plan.json").path
        let svg = dir.appendingPathComponent("timeline.svg").path
        let common = ["fixtures/models/vgg16.json", "--training", "--batch", "2", "--hardware", "fixtures/hardware/datacenter-gpu.json", "--budget", "1GiB"]
        let r = try PlanCLITests.run(["plan"] + common + ["--solver", "stream-double", "-o", plan])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("stall:") && r.stdout.contains("transfer: |") && r.stdout.contains("loaded"))
        let v = try PlanCLITests.run(["verify", common[0], common[1], common[2], common[3], plan, "--hardware", common[5], "--budget", "1GiB", "--svg", svg])
        #expect(v.status == 0, "\(v.stderr)")
        #expect(v.stdout.contains("valid plan") && v.stdout.contains("total time:"))
        #expect(try String(contentsOfFile: svg, encoding: .utf8).contains("transfer"))
        // Without the device the plan cannot be timed; with less fast memory it does not fit.
        let noDevice = try PlanCLITests.run(["verify", common[0], common[1], common[2], common[3], plan])
        #expect(noDevice.status != 0 && noDevice.stderr.contains("two-level plan") && noDevice.stderr.contains("--hardware"))
        let small = try PlanCLITests.run(["verify", common[0], common[1], common[2], common[3], plan, "--hardware", common[5], "--budget", "800MiB"])
        #expect(small.status != 0 && small.stderr.contains("fast memory holds"))
    }

    /// A three-layer perceptron (1 MiB weights) trained on the Edge TPU profile in 5 MiB of fast
    /// memory: the joint program halves the best baseline's time, proves it optimal for its stage
    /// form, and `verify` replays its plan.
    @Test func theJointProgramBeatsTheBaselinesAndItsPlanVerifies() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("plan-cli-milp-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let graph = dir.appendingPathComponent("mlp.json").path
        var tensors = [#"{"name": "x", "shape": [64, 512], "kind": "input"}"#]
        var layers: [String] = []
        var previous = "x"
        for i in 1...3 {
            tensors += [#"{"name": "w\#(i)", "shape": [512, 512], "kind": "parameter"}"#, #"{"name": "h\#(i)", "shape": [64, 512]}"#]
            layers.append(#"{"name": "fc\#(i)", "op": "linear", "inputs": ["\#(previous)", "w\#(i)"], "outputs": ["h\#(i)"]}"#)
            previous = "h\(i)"
            if i < 3 {
                tensors.append(#"{"name": "r\#(i)", "shape": [64, 512]}"#)
                layers.append(#"{"name": "relu\#(i)", "op": "relu", "inputs": ["h\#(i)"], "outputs": ["r\#(i)"]}"#)
                previous = "r\(i)"
            }
        }
        try #"{"name": "mlp", "tensors": [\#(tensors.joined(separator: ", "))], "layers": [\#(layers.joined(separator: ", "))], "outputs": ["h3"]}"#
            .write(toFile: graph, atomically: true, encoding: .utf8)
        let plan = dir.appendingPathComponent("plan.json").path
        let common = [graph, "--training", "--hardware", "fixtures/hardware/edge-npu.json", "--budget", "5MiB"]
        func total(_ out: String) -> String? { out.split(separator: "\n").first { $0.hasPrefix("total time:") }.map(String.init) }
        let baseline = try PlanCLITests.run(["plan"] + common + ["--solver", "best-two-level"])
        let milp = try PlanCLITests.run(["plan"] + common + ["--solver", "two-level-milp", "--time-limit", "60", "-o", plan])
        #expect(baseline.status == 0 && milp.status == 0, "\(baseline.stderr) \(milp.stderr)")
        #expect(milp.stdout.contains("solver:      two-level-milp, optimal") && milp.stdout.contains("lower bound:"), "\(milp.stdout)")
        // The joint plan takes at most 60% of the best baseline's time (measured: 4.39 ms against
        // 8.57 ms), and `verify` replays it to the same total.
        func milliseconds(_ out: String) -> Double? {
            total(out).flatMap { Double($0.split(separator: " ").dropFirst(2).first ?? "") }
        }
        let b = try #require(milliseconds(baseline.stdout)), m = try #require(milliseconds(milp.stdout))
        #expect(m < 0.6 * b, "two-level-milp \(m) ms, best baseline \(b) ms")
        let v = try PlanCLITests.run(["verify", graph, "--training", plan, "--hardware", common[3], "--budget", "5MiB"])
        #expect(v.status == 0 && v.stdout.contains("valid plan") && total(v.stdout) == total(milp.stdout), "\(v.stdout) \(v.stderr)")
    }

    /// `bench --fast-memory`: the two-level sweep's table (a lower bound and the four curves at
    /// each size) and its chart, run as a user runs it; without a device it says what is missing.
    @Test func benchSweepsFastMemoryAndDrawsTheCurves() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("plan-cli-2lbench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let svg = dir.appendingPathComponent("sweep.svg").path, csv = dir.appendingPathComponent("sweep.csv").path
        let r = try PlanCLITests.run(["bench", "fixtures/models/vgg16.json", "--training", "--batch", "1", "--hardware", "fixtures/hardware/datacenter-gpu.json",
                                      "--fast-memory", "50%,100%", "--time-limit", "5", "--svg", svg, "--csv", csv])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("| fast memory | simple bound | relaxation bound | recompute only | offload only | streaming only | joint |"), "\(r.stdout)")
        #expect(r.stdout.contains("Smallest fast memory found to train: recompute only"))
        let chart = try String(contentsOfFile: svg, encoding: .utf8)
        for curve in ["recompute only", "offload only", "streaming only", "joint", "lower bound"] { #expect(chart.contains(curve)) }
        // One CSV row per mechanism and size, after the header.
        #expect(try String(contentsOfFile: csv, encoding: .utf8).split(separator: "\n").count == 1 + 4 * 2)
        let noDevice = try PlanCLITests.run(["bench", "fixtures/models/vgg16.json", "--training", "--fast-memory", "50%"])
        #expect(noDevice.status != 0 && noDevice.stderr.contains("--fast-memory needs --hardware"))
        let bad = try PlanCLITests.run(["bench", "fixtures/models/vgg16.json", "--hardware", "fixtures/hardware/datacenter-gpu.json", "--fast-memory", "50%,lots"])
        #expect(bad.status != 0 && bad.stderr.contains("'lots'"))
    }

    @Test func aDeviceTooSmallForOneLayerSaysTheMinimum() throws {
        let r = try PlanCLITests.run(["plan", "fixtures/models/resnet50.json", "--inference", "--batch", "1",
                                      "--hardware", "fixtures/hardware/microcontroller.json", "--solver", "best-two-level"])
        #expect(r.status != 0)
        #expect(r.stderr.contains("no plan fits 320 KiB") || r.stderr.contains("no plan fits"), "\(r.stderr)")
        #expect(r.stderr.contains("smallest feasible budget found is"))
        let noHardware = try PlanCLITests.run(["plan", "fixtures/models/resnet50.json", "--solver", "stream-double"])
        #expect(noHardware.status != 0 && noHardware.stderr.contains("give --hardware"))
    }
}
