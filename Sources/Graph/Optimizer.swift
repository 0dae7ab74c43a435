/// The parameter update that ends a training step, and the state it keeps per parameter.
public enum Optimizer: String, Sendable, Hashable, CaseIterable {
    /// Plain stochastic gradient descent, `w -= lr·g`: no state.
    case sgd
    /// SGD with momentum, `b = μ·b + g; w -= lr·b`: one buffer per parameter.
    case momentum
    /// Adam (Kingma and Ba, 2015): first and second moment estimates per parameter.
    case adam

    /// Names of the state tensors kept per parameter, as PyTorch's optimizers name them.
    public var stateNames: [String] {
        switch self {
        case .sgd: []
        case .momentum: ["momentum_buffer"]
        case .adam: ["exp_avg", "exp_avg_sq"]
        }
    }

    /// Floating-point operations per parameter element of one update.
    ///
    /// SGD: a multiply and a subtract. Momentum: two for the buffer, two for the step. Adam: three
    /// for the first moment, four for the second, five for the step (square root, add ε, divide,
    /// scale, subtract).
    public var flopsPerElement: Double {
        switch self {
        case .sgd: 2
        case .momentum: 4
        case .adam: 12
        }
    }
}
