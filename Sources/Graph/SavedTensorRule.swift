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
        /// Every input from this position on (an indexing op's indices, after its source).
        case inputsFrom(Int)
        /// Each input whose gradient reads the others: x·y saves y for x's gradient and x for
        /// y's; x / y saves y for either and x for y's (PyTorch's `mul` and `div` save an operand
        /// only when the other one needs a gradient).
        case productPartners
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

    /// Ops whose outputs carry no gradient even when an input does: tensors made from another's
    /// shape and dtype (`new_zeros`, `zeros_like`, ...), comparisons, index arithmetic.
    static func makesConstants(_ op: String) -> Bool {
        constantMakers.contains(op.lowercased())
    }

    private static let constantMakers: Set<String> = [
        "new_zeros", "new_ones", "new_empty", "new_full", "zeros_like", "ones_like", "empty_like", "full_like",
        "rand_like", "randn_like", "randint_like", "eq", "ne", "lt", "le", "gt", "ge", "argmax", "argmin", "sign",
    ]

    /// - Parameter outputShape: the layer's first output's shape, when known: adaptive average
    ///   pooling to one value per channel is a mean (nothing saved), to a larger map it saves its
    ///   input (PyTorch's `_adaptive_avg_pool2d_backward` reads it).
    /// - Parameter inputCount: how many tensors the layer reads: a product or quotient with a
    ///   constant (one tensor) saves nothing.
    static func rule(for op: String, outputShape: [Int]? = nil, inputCount: Int = 2) -> SavedTensorRule {
        switch op.lowercased() {
        case "index", "index_select", "gather":
            // x[indices], gather(x, dim, indices): the indices (x only for its shape).
            return SavedTensorRule(saved: [.inputsFrom(1)])
        case "linalg_vector_norm", "norm":
            return SavedTensorRule(saved: [.input(0), .output(0)])
        default:
            break
        }
        switch CostModel.opClasses[op.lowercased()] {
        case .convolution?, .linear?:
            return SavedTensorRule(saved: [.input(0), .input(1)], isProduct: true)
        case .matmul?:
            return SavedTensorRule(saved: [.input(0), .input(1)], isProduct: true)
        case .attention?:
            // Query, key, value, the mask when one is given, and the output (the fused kernels'
            // per-row log-sum-exp is negligible).
            return SavedTensorRule(saved: [.input(0), .input(1), .input(2), .input(3), .output(0)], isProduct: true)
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
            case "neg":
                return SavedTensorRule(saved: [])
            case "masked_fill":
                // Only the mask (a graph tensor when it is one) decides where the gradient flows.
                return SavedTensorRule(saved: [.input(1)])
            case "where":
                // where(condition, x, y): only the condition.
                return SavedTensorRule(saved: [.input(0)])
            default:
                return SavedTensorRule(saved: [.allInputs])
            }
        case .arithmetic?:
            switch op.lowercased() {
            case "mul", "div": return SavedTensorRule(saved: inputCount >= 2 ? [.productPartners] : [])
            case "maximum", "minimum": return SavedTensorRule(saved: inputCount >= 2 ? [.allInputs] : [])
            default: return SavedTensorRule(saved: [])
            }
        case .softmax?:
            return SavedTensorRule(saved: [.output(0)])
        case .loss?:
            return SavedTensorRule(saved: [.allInputs])
        case .dropout?:
            return SavedTensorRule(saved: [.extra], extra: .mask)
        case .free?:
            return SavedTensorRule(saved: op.lowercased() == "embedding" ? [.input(0)] : [])
        case nil:
            // Unknown op: assume backward needs every input.
            return SavedTensorRule(saved: [.allInputs])
        }
    }
}
