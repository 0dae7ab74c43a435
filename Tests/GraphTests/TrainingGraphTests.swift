import Testing
@testable import Graph

@Suite("Training graph derivation")
struct TrainingGraphTests {
    /// h = linear(x, w1); r = relu(h); s = add(r, h); y = linear(s, w2). h feeds two layers.
    static func fanOut() throws -> ComputeGraph {
        try ComputeGraph(name: "fan", tensors: [
            Tensor(name: "x", shape: [2, 4], kind: .input),
            Tensor(name: "w1", shape: [4, 4], kind: .parameter),
            Tensor(name: "w2", shape: [3, 4], kind: .parameter),
            Tensor(name: "h", shape: [2, 4]), Tensor(name: "r", shape: [2, 4]), Tensor(name: "s", shape: [2, 4]),
            Tensor(name: "y", shape: [2, 3]),
        ], layers: [
            Layer(name: "lin1", op: "linear", inputs: ["x", "w1"], outputs: ["h"]),
            Layer(name: "relu", op: "relu", inputs: ["h"], outputs: ["r"]),
            Layer(name: "add", op: "add", inputs: ["r", "h"], outputs: ["s"]),
            Layer(name: "lin2", op: "linear", inputs: ["s", "w2"], outputs: ["y"]),
        ])
    }

    func layer(_ g: ComputeGraph, _ name: String) throws -> Layer { g.layers[try #require(g.layerID(named: name))] }

    @Test func backwardLayersFollowAutogradRules() throws {
        let f = try Self.fanOut()
        let g = try f.training()
        #expect(g.layers.map(\.name) == [
            "lin1", "relu", "add", "lin2", "loss",
            "loss.backward", "lin2.backward", "add.backward", "relu.backward", "h.grad.accumulate2", "lin1.backward",
        ])
        #expect(try layer(g, "loss").inputs == ["y", "labels"])
        #expect(g.tensors[g.tensorID(named: "labels")!].dtype == .int64)
        #expect(try layer(g, "loss.backward").outputs == ["y.grad"])
        // linear saves input and weight; relu saves its output; add saves nothing.
        #expect(try layer(g, "lin2.backward").inputs == ["y.grad", "s", "w2"])
        #expect(try layer(g, "lin2.backward").outputs == ["s.grad", "w2.grad"])
        #expect(try layer(g, "add.backward").inputs == ["s.grad"])
        #expect(try layer(g, "add.backward").outputs == ["r.grad", "h.grad.1"])
        #expect(try layer(g, "relu.backward").inputs == ["r.grad", "r"])
        #expect(try layer(g, "relu.backward").outputs == ["h.grad.2"])
        // Two readers of h: the partials are summed as soon as the second arrives.
        #expect(try layer(g, "h.grad.accumulate2").inputs == ["h.grad.1", "h.grad.2"])
        #expect(try layer(g, "h.grad.accumulate2").outputs == ["h.grad"])
        // x is an input: lin1's backward computes only the weight gradient.
        #expect(try layer(g, "lin1.backward").outputs == ["w1.grad"])
        #expect(Set(g.outputs.map { g.tensors[$0].name }) == ["loss", "w1.grad", "w2.grad"])
        #expect(g.layers.filter { $0.phase == .backward }.count == 6)
    }

    @Test func backwardComputeIsOneForwardPerOperandNeedingAGradient() throws {
        let f = try Self.fanOut()
        let g = try f.training()
        let fwd2 = try #require(f.flops[f.layerID(named: "lin2")!])
        let fwd1 = try #require(f.flops[f.layerID(named: "lin1")!])
        #expect(g.flops[g.layerID(named: "lin2.backward")!] == 2 * fwd2)  // input and weight gradients
        #expect(g.flops[g.layerID(named: "lin1.backward")!] == fwd1)      // weight gradient only
        #expect(g.flops[g.layerID(named: "relu.backward")!] == 8)        // one per element
    }

    @Test func optimizerStateAndUpdates() throws {
        let g = try Self.fanOut().training(optimizer: .adam)
        let update = try layer(g, "w1.update")
        #expect(update.phase == .update)
        #expect(update.inputs == ["w1", "w1.grad", "w1.exp_avg", "w1.exp_avg_sq"])
        #expect(update.outputs.isEmpty)
        #expect(g.flops[g.layerID(named: "w1.update")!] == Double(12 * 16))
        #expect(g.tensors[g.tensorID(named: "w2.exp_avg_sq")!].kind == .parameter)
        #expect(g.outputs.map { g.tensors[$0].name } == ["loss"])
        #expect(try Self.fanOut().training(optimizer: .sgd).tensors.count == Self.fanOut().training().tensors.count)
        #expect(try layer(Self.fanOut().training(optimizer: .momentum), "w2.update").inputs == ["w2", "w2.grad", "w2.momentum_buffer"])
    }

    /// A tiny chain, with the keep-everything peak of its training graph computed by hand.
    @Test func trainingPeakMatchesHandComputation() throws {
        let f = try ComputeGraph(name: "chain", tensors: [
            Tensor(name: "x", shape: [1, 4], kind: .input),        // 16 B
            Tensor(name: "w", shape: [4, 4], kind: .parameter),    // 64 B
            Tensor(name: "h", shape: [1, 4]), Tensor(name: "r", shape: [1, 4]),
        ], layers: [
            Layer(name: "lin", op: "linear", inputs: ["x", "w"], outputs: ["h"]),
            Layer(name: "relu", op: "relu", inputs: ["h"], outputs: ["r"]),
        ])
        let g = try f.training()
        #expect(g.layers.map(\.name) == ["lin", "relu", "loss", "loss.backward", "relu.backward", "lin.backward"])
        // labels 8 B, loss 4 B, r.grad 16 B, h.grad 16 B, w.grad 64 B.
        // lin: x w labels h = 104; relu: + r = 120; loss: x w labels r loss = 108;
        // loss.backward: + r.grad = 124; relu.backward: x w r loss r.grad h.grad = 132;
        // lin.backward: x w loss h.grad w.grad = 164.
        let p = g.keepEverythingProfile()
        #expect(p.bytesDuringLayer == [104, 120, 108, 124, 132, 164])
        #expect(p.initialBytes == 88)
        #expect(p.finalBytes == 64 + 4 + 64)
        #expect(p.peakBytes == 164)
    }

    @Test func maxPoolingSavesIndicesAndDropoutItsMask() throws {
        let f = try ComputeGraph(name: "pool", tensors: [
            Tensor(name: "x", shape: [1, 2, 4, 4], kind: .input), Tensor(name: "w", shape: [2, 2, 1, 1], kind: .parameter),
            Tensor(name: "c", shape: [1, 2, 4, 4]), Tensor(name: "p", shape: [1, 2, 2, 2]), Tensor(name: "d", shape: [1, 2, 2, 2]),
        ], layers: [
            Layer(name: "conv", op: "conv2d", inputs: ["x", "w"], outputs: ["c"]),
            Layer(name: "pool", op: "max_pool2d", inputs: ["c"], outputs: ["p"], attributes: ["kernel": .number(2)]),
            Layer(name: "drop", op: "dropout", inputs: ["p"], outputs: ["d"]),
        ])
        let g = try f.training()
        let indices = g.tensors[try #require(g.tensorID(named: "p.indices"))]
        #expect(indices.dtype == .int64 && indices.shape == [1, 2, 2, 2] && indices.bytes == 64)
        #expect(try layer(g, "pool").outputs == ["p", "p.indices"])
        #expect(try layer(g, "pool.backward").inputs == ["p.grad", "c", "p.indices"])
        let mask = g.tensors[try #require(g.tensorID(named: "d.mask"))]
        #expect(mask.dtype == .bool && mask.bytes == 8)
        #expect(try layer(g, "drop.backward").inputs == ["d.grad", "d.mask"])
    }

    /// PyTorch's avg_pool2d_backward reads the pooled input (issue 17: DenseNet's transition
    /// pools saved it in autograd while the graph read nothing).
    @Test func averagePoolingSavesItsInput() throws {
        let f = try ComputeGraph(name: "avg", tensors: [
            Tensor(name: "x", shape: [1, 2, 4, 4], kind: .input), Tensor(name: "w", shape: [2, 2, 1, 1], kind: .parameter),
            Tensor(name: "c", shape: [1, 2, 4, 4]), Tensor(name: "p", shape: [1, 2, 2, 2]),
        ], layers: [
            Layer(name: "conv", op: "conv2d", inputs: ["x", "w"], outputs: ["c"]),
            Layer(name: "pool", op: "avg_pool2d", inputs: ["c"], outputs: ["p"], attributes: ["kernel": .number(2)]),
        ])
        let g = try f.training()
        #expect(try layer(g, "pool.backward").inputs == ["p.grad", "c"])
    }

    /// Rules checked against PyTorch on Hugging Face models (issue 17): h = linear(x, w); c is an
    /// input (rotary embedding's cosine: no gradient); m = h·c saves c only; q = h / c saves c
    /// only; d = c / h saves c and h; n = −m saves nothing; s = where(b, q, d) saves the
    /// condition b; a = attention(n, s, d, b) saves its mask b too.
    @Test func productsSaveOnlyWhatTheOtherOperandsGradientNeeds() throws {
        let f = try ComputeGraph(name: "rules", tensors: [
            Tensor(name: "x", shape: [2, 4], kind: .input), Tensor(name: "c", shape: [2, 4], kind: .input),
            Tensor(name: "b", shape: [2, 4], dtype: .bool, kind: .input), Tensor(name: "w", shape: [4, 4], kind: .parameter),
            Tensor(name: "h", shape: [2, 4]), Tensor(name: "m", shape: [2, 4]), Tensor(name: "q", shape: [2, 4]),
            Tensor(name: "d", shape: [2, 4]), Tensor(name: "n", shape: [2, 4]), Tensor(name: "s", shape: [2, 4]),
            Tensor(name: "a", shape: [2, 4]), Tensor(name: "y", shape: [2, 4]),
        ], layers: [
            Layer(name: "lin", op: "linear", inputs: ["x", "w"], outputs: ["h"]),
            Layer(name: "mul", op: "mul", inputs: ["h", "c"], outputs: ["m"]),
            Layer(name: "div1", op: "div", inputs: ["h", "c"], outputs: ["q"]),
            Layer(name: "div2", op: "div", inputs: ["c", "h"], outputs: ["d"]),
            Layer(name: "neg", op: "neg", inputs: ["m"], outputs: ["n"]),
            Layer(name: "where", op: "where", inputs: ["b", "q", "d"], outputs: ["s"]),
            Layer(name: "attn", op: "attention", inputs: ["n", "s", "d", "b"], outputs: ["a"]),
            Layer(name: "mix", op: "mul", inputs: ["a", "h"], outputs: ["y"]),
        ])
        let g = try f.training()
        #expect(try layer(g, "mul.backward").inputs == ["m.grad", "c"])
        #expect(try layer(g, "div1.backward").inputs == ["q.grad", "c"])
        #expect(try layer(g, "div2.backward").inputs == ["d.grad", "c", "h"])
        #expect(try layer(g, "neg.backward").inputs == ["n.grad"])
        #expect(try layer(g, "where.backward").inputs == ["s.grad", "b"])
        #expect(try layer(g, "attn.backward").inputs == ["a.grad", "n", "s", "d", "b", "a"])
        // Both operands need a gradient: each is saved for the other's.
        #expect(try layer(g, "mix.backward").inputs == ["y.grad", "a", "h"])
    }

    @Test func aTrainingGraphIsTakenAsItIs() throws {
        let g = try Self.fanOut().training()
        #expect(try g.training().layers == g.layers)
        #expect(throws: GraphError.self) { try g.training(optimizer: .sgd) }
    }

    @Test func aGraphWithoutParametersCannotBeTrained() throws {
        let f = try ComputeGraph(name: "p", tensors: [Tensor(name: "x", shape: [2, 2], kind: .input), Tensor(name: "y", shape: [2, 2])],
                                 layers: [Layer(name: "r", op: "relu", inputs: ["x"], outputs: ["y"])])
        #expect(throws: GraphError.self) { try f.training() }
    }

    @Test func inferenceViewDropsBackwardAndPricesBatchNormAsScaleShift() throws {
        let f = try ComputeGraph(name: "bn", tensors: [
            Tensor(name: "x", shape: [2, 3, 4, 4], kind: .input), Tensor(name: "g", shape: [3], kind: .parameter),
            Tensor(name: "b", shape: [3], kind: .parameter), Tensor(name: "y", shape: [2, 3, 4, 4]),
        ], layers: [Layer(name: "bn", op: "batch_norm", inputs: ["x", "g", "b"], outputs: ["y"])])
        #expect(f.flops[0] == Double(96 * 8))
        let inf = try f.training().inference()
        #expect(inf.layers.map(\.name) == ["bn"])
        #expect(inf.flops[0] == Double(96 * 2))
        #expect(inf.isInference && !inf.isTraining)
        #expect(!inf.tensors.contains { $0.kind == .gradient })
    }
}
