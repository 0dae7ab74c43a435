import Testing
@testable import Graph

@Suite("Topological order")
struct TopologicalOrderTests {
    static func graph(layerOrder: [Int]) throws -> ComputeGraph {
        let all = [
            Layer(name: "A", op: "relu", inputs: ["x"], outputs: ["a"]),
            Layer(name: "B", op: "relu", inputs: ["x"], outputs: ["b"]),
            Layer(name: "C", op: "add", inputs: ["a", "b"], outputs: ["c"]),
            Layer(name: "D", op: "relu", inputs: ["c"], outputs: ["d"]),
        ]
        return try ComputeGraph(name: "t", tensors: [
            Tensor(name: "x", shape: [4], kind: .input), Tensor(name: "a", shape: [4]), Tensor(name: "b", shape: [4]),
            Tensor(name: "c", shape: [4]), Tensor(name: "d", shape: [4]),
        ], layers: layerOrder.map { all[$0] })
    }

    @Test func keepsAnOrderThatIsAlreadyTopological() throws {
        #expect(try Self.graph(layerOrder: [0, 1, 2, 3]).layers.map(\.name) == ["A", "B", "C", "D"])
        #expect(try Self.graph(layerOrder: [1, 0, 2, 3]).layers.map(\.name) == ["B", "A", "C", "D"])
    }

    @Test func movesLayersOnlyAsFarAsDependenciesForce() throws {
        // D and C given first: they wait for their inputs; B stays before A as given.
        let g = try Self.graph(layerOrder: [3, 2, 1, 0])
        #expect(g.layers.map(\.name) == ["B", "A", "C", "D"])
        #expect(g.sourceIndex == [2, 3, 1, 0])
    }

    @Test func everyReaderComesAfterItsProducer() throws {
        let g = try Self.graph(layerOrder: [2, 3, 0, 1])
        for (l, inputs) in g.layerInputs.enumerated() {
            for t in inputs { if let p = g.producer[t] { #expect(p < l) } }
        }
        #expect(g.consumers[g.tensorID(named: "x")!] == [0, 1])
    }
}
