/// What a forward layer leaves for its backward layer, following PyTorch autograd.
///
/// For each op the rule names which of the layer's inputs and outputs the backward layer reads,
/// whether the forward layer writes an extra tensor that only backward needs (max pooling's
/// argmax indices, dropout's mask), and how the backward compute relates to the forward.
struct SavedTensorRule {
    enum Operand: Equatable {
        case input(Int)
        case output(Int)
        case allInputs
        /// The extra tensor the forward writes for backward (indices or mask).
        case extra
    }

    enum Extra {
        /// Argmax indices, int64, one per output element (max pooling).
        case indices
        /// A keep-mask, one byte per input element (dropout).
        case mask
    }

    /// The tensors saved for backward.
    var saved: [Operand]
    /// An extra forward output that only backward reads.
    var extra: Extra? = nil
    /// Whether backward repeats the forward product once per operand needing a gradient
    /// (convolution, linear, matmul, attention); otherwise backward costs about one forward.
    var isProduct = false

    /// - Parameter outputShape: the layer's first output's shape, when known: adaptive average
    ///   pooling to one value per channel is a mean (nothing saved), to a larger map it saves its
    ///   input (PyTorch's `_adaptive_avg_pool2d_backward` reads it).
    /// - Parameter inputCount: how many tensors the layer reads: a product or quotient with a
    ///   constant (one tensor) saves nothing.
    static func rule(for op: String, outputShape: [Int]? = nil, inputCount: Int = 2) -> SavedTensorRule {
        switch CostModel.opClasses[op.lowercased()] {
        case .convolution?, .linear?:
            return SavedTensorRule(saved: [.input(0), .input(1)], isProduct: true)
        case .matmul?:
            return SavedTensorRule(saved: [.input(0), .input(1)], isProduct: true)
        case .attention?:
            return SavedTensorRule(saved: [.input(0), .input(1), .input(2), .output(0)], isProduct: true)
        case .pooling?:
            if op.lowercased().contains("max") { return SavedTensorRule(saved: [.input(0), .extra], extra: .indices) }
            // PyTorch's avg_pool2d_backward takes the input too (issue 17: DenseNet's transitions).
            return SavedTensorRule(saved: [.input(0)])
        case .globalPooling?:
            if op.lowercased().contains("max") { return SavedTensorRule(saved: [.input(0), .output(0)]) }
            if op.lowercased().contains("adaptive"), let shape = outputShape, shape.count > 2, shape.dropFirst(2).reduce(1, *) > 1 {
                return SavedTensorRule(saved: [.input(0)])
            }
            return SavedTensorRule(saved: [])
        case .normalization?:
            // Input and scale (γ); the per-channel mean and inverse deviation are negligible.
            return SavedTensorRule(saved: [.input(0), .input(1)])
        case .elementwise?:
            switch op.lowercased() {
            case "relu", "relu6", "sigmoid", "tanh", "hardtanh", "exp", "sqrt", "rsqrt", "elu":
                return SavedTensorRule(saved: [.output(0)])
            case "upsample", "interpolate", "upsample_bilinear2d", "upsample_nearest2d":
                // The backward reads only the sizes (PyTorch's upsample_*_backward).
                return SavedTensorRule(saved: [])
            case "masked_fill", "where":
                // Only the mask (a graph tensor when it is one) decides where the gradient flows.
                return SavedTensorRule(saved: [.input(1)])
            default:
                return SavedTensorRule(saved: [.allInputs])
            }
        case .arithmetic?:
            switch op.lowercased() {
            case "mul", "div", "maximum", "minimum": return SavedTensorRule(saved: inputCount >= 2 ? [.allInputs] : [])
            default: return SavedTensorRule(saved: [])
            }
        case .softmax?:
            return SavedTensorRule(saved: [.output(0)])
        case .loss?:
            return SavedTensorRule(saved: [.allInputs])
        case .dropout?:
            return SavedTensorRule(saved: [.extra], extra: .mask)
        case .free?:
            return SavedTensorRule(saved: ["embedding", "gather"].contains(op.lowercased()) ? [.input(0)] : [])
        case nil:
            // Unknown op: assume backward needs every input.
            return SavedTensorRule(saved: [.allInputs])
        }
    }
}
