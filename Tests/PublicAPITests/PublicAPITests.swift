import Graph  // no @testable: only what a user of the package sees
import Planner
import Testing

/// What the README shows: build a small graph in code and analyse it through the public API.
@Suite("Public API")
struct PublicAPITests {
    @Test func buildAndAnalyseAGraphInCode() throws {
        let graph = try ComputeGraph(
            name: "mlp", batch: 32,
            tensors: [
                Tensor(name: "x", shape: [32, 784], kind: .input),
                Tensor(name: "fc1.weight", shape: [256, 784], kind: .parameter),
                Tensor(name: "h", shape: [32, 256]),
                Tensor(name: "a", shape: [32, 256]),
                Tensor(name: "fc2.weight", shape: [10, 256], kind: .parameter),
                Tensor(name: "logits", shape: [32, 10]),
            ],
            layers: [
                Layer(name: "fc1", op: "linear", inputs: ["x", "fc1.weight"], outputs: ["h"]),
                Layer(name: "relu", op: "relu", inputs: ["h"], outputs: ["a"]),
                Layer(name: "fc2", op: "linear", inputs: ["a", "fc2.weight"], outputs: ["logits"]),
            ])
        let training = try graph.training(optimizer: .adam)
        let device = Hardware(
            name: "my-npu", peakFLOPS: [.float32: 1e12],
            onChip: MemoryLevel(name: "SRAM", capacityBytes: 4 << 20, bandwidth: 100e9),
            offChip: MemoryLevel(name: "DRAM", capacityBytes: 1 << 30, bandwidth: 10e9))
        let analysis = try GraphAnalysis(graph: training, hardware: device)
        #expect(analysis.totals.parameterCount == 784 * 256 + 256 * 10)
        #expect(analysis.totals.forwardMACs == Double(32 * (784 * 256 + 256 * 10)))
        #expect(analysis.totals.peakBytes == training.keepEverythingProfile().peakBytes)
        #expect(analysis.layers.first?.device?.bound != nil)
        #expect(analysis.table().contains("fc2.backward"))
    }

    @Test func errorsAreTypedAndReadable() {
        do {
            _ = try ComputeGraph(name: "bad", tensors: [Tensor(name: "x", shape: [2], kind: .input)],
                                 layers: [Layer(name: "r", op: "relu", inputs: ["x"], outputs: ["y"])])
            Issue.record("accepted a dangling output")
        } catch {
            #expect(error == .unknownTensor(SourceLocation(path: "layers[0].outputs[0]"), name: "y"))
            #expect(error.description == "layers[0].outputs[0]: unknown tensor 'y' (not declared in \"tensors\")")
        }
    }
}
