import Testing
@testable import Graph

/// Lifetimes and the keep-everything peak of small hand-made graphs, against hand computation.
@Suite("Lifetimes and keep-everything peak")
struct LivenessTests {
    /// x(100 B, input), w(10 B, parameter); a = L1(x, w) 40 B; b = L2(a) 20 B; c = L3(a, b) 8 B; outputs [c].
    static func diamond() throws -> ComputeGraph {
        try ComputeGraph(name: "diamond", tensors: [
            Tensor(name: "x", bytes: 100, kind: .input),
            Tensor(name: "w", bytes: 12, kind: .parameter),
            Tensor(name: "a", bytes: 40),
            Tensor(name: "b", bytes: 20),
            Tensor(name: "c", bytes: 8),
        ], layers: [
            Layer(name: "L1", op: "mul", inputs: ["x", "w"], outputs: ["a"]),
            Layer(name: "L2", op: "relu", inputs: ["a"], outputs: ["b"]),
            Layer(name: "L3", op: "add", inputs: ["a", "b"], outputs: ["c"]),
        ])
    }

    @Test func lifetimesMatchHandComputation() throws {
        let g = try Self.diamond()
        let life = g.lifetimes()
        func of(_ n: String) -> Lifetime { life[g.tensorID(named: n)!] }
        #expect(of("x") == Lifetime(start: -1, end: 0))   // input, freed after L1
        #expect(of("w") == Lifetime(start: -1, end: 3))   // parameter: throughout
        #expect(of("a") == Lifetime(start: 0, end: 2))    // L1 .. L3
        #expect(of("b") == Lifetime(start: 1, end: 2))
        #expect(of("c") == Lifetime(start: 2, end: 3))    // output: to the end
    }

    @Test func keepEverythingPeakMatchesHandComputation() throws {
        let p = try Self.diamond().keepEverythingProfile()
        #expect(p.initialBytes == 100 + 12)
        // L1: x + w + a; L2: w + a + b; L3: w + a + b + c.
        #expect(p.bytesDuringLayer == [152, 72, 80])
        #expect(p.finalBytes == 12 + 8)
        #expect(p.peakBytes == 152)
        #expect(p.peakLayer == 0)
    }

    @Test func liveSetDuringALayer() throws {
        let g = try Self.diamond()
        #expect(Set(g.liveSet(during: 1).map { g.tensors[$0].name }) == ["w", "a", "b"])
    }

    /// A tensor nobody reads and that is not an output lives only while its producer runs.
    @Test func deadTensorLivesOnlyDuringItsProducer() throws {
        let g = try ComputeGraph(name: "dead", tensors: [
            Tensor(name: "x", bytes: 10, kind: .input),
            Tensor(name: "scratch", bytes: 1000),
            Tensor(name: "y", bytes: 10),
            Tensor(name: "z", bytes: 10),
        ], layers: [
            Layer(name: "A", op: "split", inputs: ["x"], outputs: ["y", "scratch"]),
            Layer(name: "B", op: "relu", inputs: ["y"], outputs: ["z"]),
        ], outputs: ["z"])
        let p = g.keepEverythingProfile()
        #expect(p.bytesDuringLayer == [10 + 10 + 1000, 10 + 10])
        #expect(p.peakBytes == 1020)
    }

    /// Default outputs: produced tensors no layer reads.
    @Test func defaultOutputs() throws {
        let g = try Self.diamond()
        #expect(g.outputs.map { g.tensors[$0].name } == ["c"])
    }

    /// A hand-made training chain: forward x→a→b, loss, backward, with the peak at the loss.
    @Test func trainingChainPeak() throws {
        let g = try ComputeGraph(name: "chain", tensors: [
            Tensor(name: "x", bytes: 64, kind: .input),
            Tensor(name: "a", bytes: 32),
            Tensor(name: "b", bytes: 16),
            Tensor(name: "loss", bytes: 4),
            Tensor(name: "b.grad", bytes: 16, kind: .gradient),
            Tensor(name: "a.grad", bytes: 32, kind: .gradient),
        ], layers: [
            Layer(name: "f1", op: "relu", inputs: ["x"], outputs: ["a"]),
            Layer(name: "f2", op: "relu", inputs: ["a"], outputs: ["b"]),
            Layer(name: "loss", op: "mse_loss", inputs: ["b"], outputs: ["loss"]),
            Layer(name: "g2", op: "relu_backward", inputs: ["loss", "b"], outputs: ["b.grad"], phase: .backward, flops: 4),
            Layer(name: "g1", op: "relu_backward", inputs: ["b.grad", "a"], outputs: ["a.grad"], phase: .backward, flops: 8),
        ])
        // f1: x a = 96; f2: a b = 48; loss: a b loss = 52; g2: a b loss b.grad = 68; g1: a b.grad a.grad = 80.
        #expect(g.keepEverythingProfile().bytesDuringLayer == [96, 48, 52, 68, 80])
        #expect(g.keepEverythingProfile().peakBytes == 96)
        #expect(g.isTraining)
    }
}
