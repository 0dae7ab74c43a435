import Testing
@testable import Graph

/// Operation counts against the seed's formulas, evaluated by hand.
@Suite("Cost model")
struct CostModelTests {
    func cost(_ op: String, _ inputs: [Tensor], _ outputs: [Tensor], _ attributes: [String: JSONValue] = [:], inference: Bool = false) throws -> OpCost {
        try CostModel.estimate(op: op, attributes: attributes, inputs: inputs, outputs: outputs, inference: inference).get()
    }

    @Test func convolution() throws {
        // k·2·rs·wh·c per image: 4 filters, 3×3, 8×8 output, 3 channels, 2 images.
        let c = try cost("conv2d", [Tensor(name: "x", shape: [2, 3, 8, 8]), Tensor(name: "w", shape: [4, 3, 3, 3])],
                         [Tensor(name: "y", shape: [2, 4, 8, 8])])
        #expect(c.flops == Double(2 * 4 * 2 * 9 * 64 * 3))
        #expect(c.macs == c.flops / 2)
    }

    @Test func convolutionFromAttributesWhenTheWeightHasNoShape() throws {
        let c = try cost("conv2d", [Tensor(name: "x", shape: [1, 3, 8, 8]), Tensor(name: "w", bytes: 432)],
                         [Tensor(name: "y", shape: [1, 4, 8, 8])], ["kernel": .number(3)])
        #expect(c.macs == Double(4 * 9 * 64 * 3))
    }

    @Test func depthwiseConvolution() throws {
        // k·2·rs·wh: 8 channels, 3×3, 10×10.
        let c = try cost("depthwise_conv2d", [Tensor(name: "x", shape: [1, 8, 10, 10]), Tensor(name: "w", shape: [8, 1, 3, 3])],
                         [Tensor(name: "y", shape: [1, 8, 10, 10])], ["groups": .number(8)])
        #expect(c.flops == Double(8 * 2 * 9 * 100))
    }

    @Test func linearAndMatmul() throws {
        let l = try cost("linear", [Tensor(name: "x", shape: [4, 16]), Tensor(name: "w", shape: [32, 16])], [Tensor(name: "y", shape: [4, 32])])
        #expect(l.macs == Double(4 * 32 * 16))
        let m = try cost("bmm", [Tensor(name: "a", shape: [2, 3, 5]), Tensor(name: "b", shape: [2, 5, 7])], [Tensor(name: "y", shape: [2, 3, 7])])
        #expect(m.macs == Double(2 * 3 * 7 * 5))
    }

    /// Interpolation and powers, which exported segmentation models use (issue 17): per output
    /// element 7 (bilinear: three linear interpolations, the weights), 1 for nearest, 7 for pow.
    @Test func upsampleAndPow() throws {
        let x = Tensor(name: "x", shape: [1, 2, 4, 4]), y = Tensor(name: "y", shape: [1, 2, 8, 8])
        #expect(try cost("upsample", [x], [y]).flops == Double(7 * 128))
        #expect(try cost("upsample_nearest2d", [x], [y]).flops == Double(128))
        #expect(try cost("pow", [x], [x]).flops == Double(7 * 32))
    }

    @Test func attention() throws {
        let c = try cost("attention", [Tensor(name: "q", shape: [1, 2, 4, 8]), Tensor(name: "k", shape: [1, 2, 6, 8]), Tensor(name: "v", shape: [1, 2, 6, 8])],
                         [Tensor(name: "o", shape: [1, 2, 4, 8])])
        // QKᵀ: 2·4·6·8 MACs; PV: 2·4·6·8 MACs; softmax: 5 per score.
        #expect(c.macs == Double(2 * 4 * 6 * 8 * 2))
        #expect(c.flops == Double(2 * 768 + 5 * 2 * 4 * 6))
    }

    @Test func poolingNormalizationActivations() throws {
        let pool = try cost("max_pool2d", [Tensor(name: "x", shape: [1, 1, 4, 4])], [Tensor(name: "y", shape: [1, 1, 2, 2])], ["kernel": .array([.number(2), .number(2)])])
        #expect(pool.flops == 16)
        let x = Tensor(name: "x", shape: [2, 3, 4, 4])
        #expect(try cost("batch_norm", [x], [x]).flops == 96 * 8)
        #expect(try cost("batch_norm", [x], [x], inference: true).flops == 96 * 2)  // scale and shift
        #expect(try cost("relu", [x], [x]).flops == 96)
        #expect(try cost("add", [x, x], [x]).flops == 96)
        #expect(try cost("softmax", [x], [x]).flops == 96 * 5)
        #expect(try cost("reshape", [x], [x]).flops == 0)
        #expect(try cost("dropout", [x], [x], inference: true).flops == 0)
    }

    @Test func unknownOpFails() {
        #expect(throws: CostModelFailure.self) { try cost("frobnicate", [], []) }
    }
}
