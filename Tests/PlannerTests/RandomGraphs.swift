import Graph
@testable import Planner

/// Random forward networks for property tests, turned into training graphs by the library's
/// own derivation.
enum RandomGraphs {
    /// A random layered DAG: each layer reads one or two earlier activations (a skip connection
    /// with probability `skip`), with linear layers carrying parameters and relu/add in between.
    static func forward(layers n: Int, seed: UInt64, skip: Double = 0.3) throws -> ComputeGraph {
        var rng = SplitMix64(seed: seed)
        var tensors = [Tensor(name: "x", shape: [2, 8], kind: .input)]
        var layers: [Layer] = []
        var activations = ["x"]
        for i in 0..<n {
            let width = 4 + Int(rng.next() % 13)  // 4...16 features
            let a = activations[activations.count - 1]
            let out = "t\(i)"
            let roll = Double(rng.next() % 1000) / 1000
            if roll < skip, activations.count >= 3 {
                // add of the previous activation and a random earlier one, same shape required:
                // project the earlier one with a linear layer first.
                let earlier = activations[Int(rng.next() % UInt64(activations.count - 1))]
                let w = "w\(i)"
                let lastWidth = tensors.first { $0.name == a }!.shape![1]
                let earlierWidth = tensors.first { $0.name == earlier }!.shape![1]
                tensors.append(Tensor(name: w, shape: [lastWidth, earlierWidth], kind: .parameter))
                tensors.append(Tensor(name: out + ".proj", shape: [2, lastWidth]))
                layers.append(Layer(name: "proj\(i)", op: "linear", inputs: [earlier, w], outputs: [out + ".proj"]))
                tensors.append(Tensor(name: out, shape: [2, lastWidth]))
                layers.append(Layer(name: "add\(i)", op: "add", inputs: [a, out + ".proj"], outputs: [out]))
            } else if roll < 0.65 {
                let lastWidth = tensors.first { $0.name == a }!.shape![1]
                let w = "w\(i)"
                tensors.append(Tensor(name: w, shape: [width, lastWidth], kind: .parameter))
                tensors.append(Tensor(name: out, shape: [2, width]))
                layers.append(Layer(name: "fc\(i)", op: "linear", inputs: [a, w], outputs: [out]))
            } else {
                let lastWidth = tensors.first { $0.name == a }!.shape![1]
                tensors.append(Tensor(name: out, shape: [2, lastWidth]))
                layers.append(Layer(name: (roll < 0.85 ? "relu" : "tanh") + "\(i)", op: roll < 0.85 ? "relu" : "tanh", inputs: [a], outputs: [out]))
            }
            activations.append(out)
        }
        // Make sure at least one parameter exists so that the graph can be trained.
        if !tensors.contains(where: { $0.kind == .parameter }) {
            let a = activations.last!
            let lastWidth = tensors.first { $0.name == a }!.shape![1]
            tensors.append(Tensor(name: "wout", shape: [3, lastWidth], kind: .parameter))
            tensors.append(Tensor(name: "out", shape: [2, 3]))
            layers.append(Layer(name: "head", op: "linear", inputs: [a, "wout"], outputs: ["out"]))
        }
        return try ComputeGraph(name: "random-\(seed)", tensors: tensors, layers: layers)
    }

    /// A chain of `n` forward layers with random sizes and costs and a mirrored backward chain
    /// (the classic checkpointing setting: backward i reads activation i and gradient i+1).
    static func trainingChain(length n: Int, seed: UInt64, uniformSizes: Bool = false) throws -> ComputeGraph {
        var rng = SplitMix64(seed: seed)
        func size() -> Int { uniformSizes ? 4 : 1 + Int(rng.next() % 8) }
        var tensors = [Tensor(name: "a0", bytes: size(), kind: .input)]
        var layers: [Layer] = []
        for i in 1...n {
            tensors.append(Tensor(name: "a\(i)", bytes: size()))
            layers.append(Layer(name: "f\(i)", op: "f", inputs: ["a\(i - 1)"], outputs: ["a\(i)"], time: Double(1 + rng.next() % 5)))
        }
        tensors.append(Tensor(name: "g\(n)", bytes: tensors[n].bytes, kind: .gradient))
        layers.append(Layer(name: "b\(n)", op: "b", inputs: ["a\(n)"], outputs: ["g\(n)"], phase: .backward, time: Double(1 + rng.next() % 5)))
        for i in stride(from: n - 1, through: 0, by: -1) {
            tensors.append(Tensor(name: "g\(i)", bytes: tensors[i].bytes, kind: .gradient))
            layers.append(Layer(name: "b\(i)", op: "b", inputs: ["g\(i + 1)", "a\(i)"], outputs: ["g\(i)"], phase: .backward,
                                time: Double(1 + rng.next() % 5)))
        }
        return try ComputeGraph(name: "chain-\(seed)", tensors: tensors, layers: layers, outputs: ["g0"])
    }
}

extension RandomGraphs {
    /// A random layered DAG of forward layers only, as in Moccasin's benchmark (every node one
    /// layer writing one tensor; nodes of each layer read one or more nodes of the previous one
    /// and, now and then, of earlier ones; one output node at the end).
    static func layeredDAG(nodes n: Int, seed: UInt64, pNext: Double = 0.2, pSkip: Double = 0.05) throws -> ComputeGraph {
        var rng = SplitMix64(seed: seed)
        func uniform() -> Double { Double(rng.next() >> 11) / Double(1 << 53) }
        let levels = max(2, Int(Double(n).squareRoot().rounded()))
        var widths = [Int](repeating: 1, count: levels)
        for _ in 0..<(n - levels) { widths[Int(rng.next() % UInt64(levels - 1))] += 1 }
        var level: [[Int]] = []
        var k = 0
        for w in widths { level.append(Array(k..<(k + w))); k += w }
        var inputs = [[Int]](repeating: [], count: n)
        for l in 1..<levels {
            for v in level[l] {
                var reads = Set([level[l - 1][Int(rng.next() % UInt64(level[l - 1].count))]])
                for u in level[l - 1] where uniform() < pNext { reads.insert(u) }
                if l >= 2 { for u in level[l - 2] where uniform() < pSkip { reads.insert(u) } }
                inputs[v] = reads.sorted()
            }
        }
        var read = Set(inputs.flatMap { $0 })
        for l in 0..<(levels - 1) {
            for u in level[l] where !read.contains(u) {
                let v = level[l + 1][Int(rng.next() % UInt64(level[l + 1].count))]
                inputs[v].append(u)
                read.insert(u)
            }
        }
        let tensors = (0..<n).map { Tensor(name: "n\($0)", bytes: 1 + Int(rng.next() % 100)) }
        let layers = (0..<n).map { Layer(name: "n\($0)", op: "opaque", inputs: inputs[$0].map { "n\($0)" }, outputs: ["n\($0)"],
                                         time: Double(1 + rng.next() % 100)) }
        return try ComputeGraph(name: "layered-\(n)-\(seed)", tensors: tensors, layers: layers)
    }
}
