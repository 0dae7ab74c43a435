import Testing
@testable import Graph

@Suite("Batch rescaling")
struct BatchRescaleTests {
    @Test func scalesBatchedShapesAndCostsButNotParameters() throws {
        let g = try ComputeGraph.load(contentsOf: fixturePath("fixtures/models/vgg16.json"))
        let h = try g.rescaled(batch: 8)
        #expect(h.batch == 8)
        #expect(h.name == "vgg16-b8")
        let input = h.tensors[h.tensorID(named: "input")!]
        #expect(input.shape == [8, 3, 224, 224])
        #expect(h.tensors[h.tensorID(named: "features.0.weight")!] == g.tensors[g.tensorID(named: "features.0.weight")!])
        // MACs are linear in the batch.
        #expect(h.macs.reduce(0, +) * 4 == g.macs.reduce(0, +))
    }

    @Test func explicitCostsAndByteSizesScale() throws {
        let g = try ComputeGraph(name: "b", batch: 4, tensors: [
            Tensor(name: "x", bytes: 400, kind: .input), Tensor(name: "y", bytes: 400), Tensor(name: "w", bytes: 12, kind: .parameter),
        ], layers: [Layer(name: "f", op: "custom", inputs: ["x", "w"], outputs: ["y"], flops: 1000, time: 0.4)])
        let h = try g.rescaled(batch: 2)
        #expect(h.tensors.map(\.bytes) == [200, 200, 12])
        #expect(h.layers[0].flops == 500 && h.layers[0].time == 0.2)
    }

    @Test func needsABatchField() throws {
        let g = try ComputeGraph(name: "n", tensors: [Tensor(name: "x", shape: [2], kind: .input), Tensor(name: "y", shape: [2])],
                                 layers: [Layer(name: "r", op: "relu", inputs: ["x"], outputs: ["y"])])
        #expect(throws: GraphError.self) { try g.rescaled(batch: 4) }
    }
}
