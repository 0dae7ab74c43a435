import Foundation
import Planner
import Testing

/// `--backend`: a plan from either MILP backend replays within its budget; a missing backend is
/// an error that says how to install it.
@Suite("plan-cli backends end to end")
struct BackendCLITests {
    /// A three-layer perceptron at batch 4096 (4 MiB activations, 256 KiB weights).
    static func graph(in dir: URL) throws -> String {
        var tensors = [#"{"name": "x", "shape": [4096, 256], "kind": "input"}"#], layers: [String] = []
        var previous = "x"
        for i in 1...3 {
            tensors += [#"{"name": "w\#(i)", "shape": [256, 256], "kind": "parameter"}"#,
                        #"{"name": "h\#(i)", "shape": [4096, 256]}"#, #"{"name": "r\#(i)", "shape": [4096, 256]}"#]
            layers += [#"{"name": "fc\#(i)", "op": "linear", "inputs": ["\#(previous)", "w\#(i)"], "outputs": ["h\#(i)"]}"#,
                       #"{"name": "relu\#(i)", "op": "relu", "inputs": ["h\#(i)"], "outputs": ["r\#(i)"]}"#]
            previous = "r\(i)"
        }
        let path = dir.appendingPathComponent("mlp.json").path
        try #"{"name": "mlp", "tensors": [\#(tensors.joined(separator: ", "))], "layers": [\#(layers.joined(separator: ", "))], "outputs": ["r3"]}"#
            .write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test(arguments: ["glpk", "cbc"])
    func planWithABackendAndVerifyIt(backend: String) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("plan-cli-backend-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let graph = try Self.graph(in: dir), plan = dir.appendingPathComponent("plan.json").path
        let r = try PlanCLITests.run(["plan", graph, "--training", "--budget", "75%", "--time-limit", "20", "--backend", backend, "-o", plan])
        if backend == "cbc" && !CBCSolver.isAvailable {
            #expect(r.status != 0 && r.stderr.contains("apt-get install coinor-libcbc-dev"), "\(r.stderr)")
            return
        }
        #expect(r.status == 0 && r.stdout.contains("solver:            ilp"), "\(r.stderr)")
        let v = try PlanCLITests.run(["verify", graph, "--training", plan, "--budget", "75%"])
        #expect(v.status == 0 && v.stdout.contains("valid plan"), "\(v.stdout) \(v.stderr)")
        let bad = try PlanCLITests.run(["plan", graph, "--training", "--budget", "75%", "--backend", "gurobi"])
        #expect(bad.status != 0 && bad.stderr.contains("glpk") && bad.stderr.contains("cbc"))
    }
}
