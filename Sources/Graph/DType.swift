/// The element type of a tensor, which fixes its bytes per element.
public enum DType: String, Sendable, Hashable, CaseIterable, Codable {
    case float64, float32, float16, bfloat16, float8
    case int64, int32, int16, int8, uint8, bool

    /// Bytes per element.
    public var byteWidth: Int {
        switch self {
        case .float64, .int64: 8
        case .float32, .int32: 4
        case .float16, .bfloat16, .int16: 2
        case .float8, .int8, .uint8, .bool: 1
        }
    }

    /// Whether values of this type carry gradients (floating point).
    public var isFloatingPoint: Bool {
        switch self {
        case .float64, .float32, .float16, .bfloat16, .float8: true
        default: false
        }
    }

    /// Accepts the canonical names and the common aliases (`fp32`, `half`, `long`, ...).
    public init?(name: String) {
        if let d = DType(rawValue: name) { self = d; return }
        switch name.lowercased() {
        case "fp64", "double", "f64": self = .float64
        case "fp32", "float", "f32": self = .float32
        case "fp16", "half", "f16": self = .float16
        case "bf16": self = .bfloat16
        case "fp8": self = .float8
        case "long", "i64": self = .int64
        case "int", "i32": self = .int32
        case "short", "i16": self = .int16
        case "i8": self = .int8
        case "u8": self = .uint8
        default: return nil
        }
    }
}

/// What a tensor is in training: where it comes from and how long it must live.
public enum TensorKind: String, Sendable, Hashable, CaseIterable, Codable {
    /// Data fed to the graph (images, labels); resident at the start.
    case input
    /// Model state (weights, biases, optimizer state); resident throughout.
    case parameter
    /// An intermediate result of a forward layer.
    case activation
    /// A derivative produced by a backward layer.
    case gradient
}

/// When a layer runs in a training step.
public enum Phase: String, Sendable, Hashable, CaseIterable, Codable {
    /// The forward pass; a planner may run such a layer again (recomputation).
    case forward
    /// The backward pass; runs exactly once.
    case backward
    /// The optimizer's parameter update at the end of the step; runs exactly once.
    case update
}
