/// The compute of one run of a layer.
public struct OpCost: Sendable, Hashable {
    /// Floating-point operations (a multiply-accumulate counts as two).
    public var flops: Double
    /// Multiply-accumulates; zero for operations that are not products.
    public var macs: Double

    public init(flops: Double, macs: Double = 0) {
        self.flops = flops
        self.macs = macs
    }
}

/// Why the cost model has no figure for a layer.
public struct CostModelFailure: Error, Sendable, Hashable {
    public var reason: String
}

/// Operation counts from shapes and attributes.
///
/// The formulas follow the layer table of the course notes (shared/seed): a convolution with
/// `k` filters of `r×s` over `c` input channels producing a `w×h` map costs `k·2·rs·wh·c`
/// operations (`c` divided by `groups`; a depth-wise convolution has `c/groups = 1`); a
/// linear layer one multiply-accumulate per weight and row; pooling, normalization and
/// activation functions a constant number per element. The per-element constants are listed in
/// docs/cost-model.md. Multiply-accumulate counts are the figures papers publish (VGG-16:
/// 15.47 G per 224×224 image).
public enum CostModel {
    /// The operation classes the model has a formula for.
    enum OpClass {
        case convolution, linear, matmul, attention
        case pooling, globalPooling
        case normalization(training: Double, inference: Double)
        case elementwise(perElement: Double)   // unary and activation functions, per output element
        case arithmetic                        // n-ary add/sub/mul/div: (inputs-1) per output element
        case softmax, loss(perElement: Double), dropout
        case free                              // data movement only
    }

    static let opClasses: [String: OpClass] = {
        var table: [String: OpClass] = [:]
        for n in ["conv", "conv1d", "conv2d", "conv3d", "convolution", "depthwise_conv2d", "conv_transpose2d"] { table[n] = .convolution }
        for n in ["linear", "fc", "dense", "gemm", "addmm"] { table[n] = .linear }
        for n in ["matmul", "bmm", "batched_matmul", "mm", "einsum_matmul", "baddbmm"] { table[n] = .matmul }
        for n in ["attention", "scaled_dot_product_attention", "sdpa"] { table[n] = .attention }
        for n in ["max_pool2d", "avg_pool2d", "max_pool1d", "avg_pool1d", "max_pool3d", "avg_pool3d", "maxpool", "avgpool", "pool"] { table[n] = .pooling }
        for n in ["global_avg_pool", "adaptive_avg_pool2d", "adaptive_avg_pool1d", "global_max_pool", "mean"] { table[n] = .globalPooling }
        for n in ["batch_norm", "batchnorm", "bn"] { table[n] = .normalization(training: 8, inference: 2) }
        for n in ["layer_norm", "layernorm", "group_norm", "instance_norm"] { table[n] = .normalization(training: 8, inference: 8) }
        table["rms_norm"] = .normalization(training: 4, inference: 4)
        table["scale_shift"] = .normalization(training: 2, inference: 2)
        let perElement: [(Double, [String])] = [
            (1, ["relu", "relu6", "abs", "neg", "clamp", "square", "masked_fill", "where"]),
            (2, ["leaky_relu", "prelu", "hardtanh"]),
            (3, ["hardsigmoid", "rsqrt", "sqrt", "exp", "log"]),
            (4, ["sigmoid", "hardswish", "elu"]),
            (5, ["tanh", "silu", "swish", "mish"]),
            (8, ["gelu"]),
            // Interpolation: bilinear is three linear interpolations of two operations each per
            // output element, plus the weights (the graph does not record the mode; nearest
            // neighbour would be a copy, so this is the upper figure).
            (7, ["upsample", "interpolate", "upsample_bilinear2d"]),
            (1, ["upsample_nearest2d"]),
            // x^p: a logarithm, a product and an exponential per element (exp and log at 3 each).
            (7, ["pow"]),
        ]
        for (c, names) in perElement { for n in names { table[n] = .elementwise(perElement: c) } }
        for n in ["add", "sub", "mul", "div", "bias_add", "residual_add", "sum", "maximum", "minimum"] { table[n] = .arithmetic }
        for n in ["softmax", "log_softmax"] { table[n] = .softmax }
        for n in ["cross_entropy", "loss", "nll_loss", "softmax_cross_entropy"] { table[n] = .loss(perElement: 5) }
        table["mse_loss"] = .loss(perElement: 3)
        table["dropout"] = .dropout
        for n in ["concat", "cat", "reshape", "view", "flatten", "transpose", "permute", "identity", "split",
                  "slice", "contiguous", "pad", "roll", "embedding", "gather", "squeeze", "unsqueeze", "expand", "input", "constant"] {
            table[n] = .free
        }
        return table
    }()

    /// Whether the cost model has a formula for `op` (names are matched case-insensitively).
    public static func knows(op: String) -> Bool { opClasses[op.lowercased()] != nil }

    /// The cost of one run of a layer, or why none can be given.
    ///
    /// - Parameters:
    ///   - inputs: the layer's input tensors in operand order (data first, then weight, bias).
    ///   - outputs: the layer's output tensors.
    ///   - inference: price batch normalization as a scale and shift and dropout as nothing.
    public static func estimate(
        op: String, attributes: [String: JSONValue], inputs: [Tensor], outputs: [Tensor], inference: Bool
    ) -> Result<OpCost, CostModelFailure> {
        guard let opClass = opClasses[op.lowercased()] else {
            return .failure(CostModelFailure(reason: "the cost model has no formula for this op"))
        }
        func fail(_ reason: String) -> Result<OpCost, CostModelFailure> { .failure(CostModelFailure(reason: reason)) }
        let outElements = Double(outputs.first?.elementCount ?? 0)
        switch opClass {
        case .convolution:
            // MACs = output elements × (input channels / groups) × kernel area. With a weight of
            // shape [k, c/groups, r, s] the factor is the weight's elements over k.
            guard let out = outputs.first, out.shape != nil else { return fail("the output's shape is unknown") }
            if inputs.count >= 2, let w = inputs[1].shape, w.count >= 2, w[0] > 0 {
                let perOutput = Double(w.dropFirst().reduce(1, *))
                let macs = outElements * perOutput
                return .success(OpCost(flops: 2 * macs, macs: macs))
            }
            guard let x = inputs.first?.shape, x.count >= 2 else { return fail("neither a weight shape nor the input's shape is known") }
            guard let kernel = attributes["kernel"]?.intsValue ?? attributes["kernel_size"]?.intsValue else {
                return fail("no weight shape and no \"kernel\" attribute")
            }
            let groups = attributes["groups"]?.intValue ?? 1
            guard groups > 0, x[1] % groups == 0 else { return fail("\"groups\" (\(groups)) must divide the input channels (\(x[1]))") }
            let dims = max(1, (out.shape?.count ?? 4) - 2)
            let area = kernel.count == 1 ? pow(Double(kernel[0]), Double(dims)) : Double(kernel.reduce(1, *))
            let macs = outElements * Double(x[1] / groups) * area
            return .success(OpCost(flops: 2 * macs, macs: macs))
        case .linear:
            let inFeatures: Int
            if inputs.count >= 2, let w = inputs[1].shape, w.count == 2 {
                inFeatures = w[1]
            } else if let x = inputs.first?.shape, let last = x.last {
                inFeatures = last
            } else {
                return fail("neither the weight's nor the input's shape is known")
            }
            let macs = outElements * Double(inFeatures)
            return .success(OpCost(flops: 2 * macs, macs: macs))
        case .matmul:
            guard let a = inputs.first?.shape, let k = a.last, outputs.first?.shape != nil else {
                return fail("the operands' shapes are unknown")
            }
            let macs = outElements * Double(k)
            return .success(OpCost(flops: 2 * macs, macs: macs))
        case .attention:
            // softmax(Q Kᵀ / √d) V for q [..., S, D], k [..., Sk, D], v [..., Sk, Dv].
            guard inputs.count >= 3, let q = inputs[0].shape, let k = inputs[1].shape, let v = inputs[2].shape,
                  q.count >= 2, k.count >= 2, v.count >= 2 else {
                return fail("attention needs query, key and value inputs with known shapes")
            }
            let batch = Double(q.dropLast(2).reduce(1, *))
            let s = Double(q[q.count - 2]), d = Double(q[q.count - 1])
            let sk = Double(k[k.count - 2]), dv = Double(v[v.count - 1])
            let macs = batch * s * sk * (d + dv)
            return .success(OpCost(flops: 2 * macs + 5 * batch * s * sk, macs: macs))
        case .pooling:
            if let kernel = attributes["kernel"]?.intsValue ?? attributes["kernel_size"]?.intsValue {
                let dims = max(1, (outputs.first?.shape?.count ?? 4) - 2)
                let area = kernel.count == 1 ? pow(Double(kernel[0]), Double(dims)) : Double(kernel.reduce(1, *))
                return .success(OpCost(flops: outElements * area))
            }
            guard let x = inputs.first, outElements > 0 else { return fail("no \"kernel\" attribute and no input") }
            return .success(OpCost(flops: max(Double(x.elementCount), outElements)))
        case .globalPooling:
            guard let x = inputs.first else { return fail("no input") }
            return .success(OpCost(flops: Double(x.elementCount)))
        case .normalization(let training, let infer):
            guard let x = inputs.first else { return fail("no input") }
            return .success(OpCost(flops: Double(x.elementCount) * (inference ? infer : training)))
        case .elementwise(let c):
            let n = outputs.isEmpty ? Double(inputs.first?.elementCount ?? 0) : outElements
            return .success(OpCost(flops: c * n))
        case .arithmetic:
            let n = outputs.isEmpty ? Double(inputs.first?.elementCount ?? 0) : outElements
            return .success(OpCost(flops: Double(max(1, inputs.count - 1)) * n))
        case .softmax:
            return .success(OpCost(flops: 5 * outElements))
        case .loss(let c):
            guard let x = inputs.first else { return fail("no input") }
            return .success(OpCost(flops: c * Double(x.elementCount)))
        case .dropout:
            return .success(OpCost(flops: inference ? 0 : outElements))
        case .free:
            return .success(OpCost(flops: 0))
        }
    }
}

private func pow(_ base: Double, _ exponent: Double) -> Double {
    var r = 1.0
    for _ in 0..<Int(exponent) { r *= base }
    return r
}
