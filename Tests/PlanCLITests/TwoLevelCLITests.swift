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
