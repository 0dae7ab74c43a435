/// A named tensor of the graph: its shape, element type, kind and size in bytes.
public struct Tensor: Sendable, Hashable {
    /// Unique name within the graph.
    public var name: String
    /// Dimensions, outermost first; `nil` when only the byte size is known.
    public var shape: [Int]?
    /// Element type.
    public var dtype: DType
    /// Role in training.
    public var kind: TensorKind
    /// Size in bytes: given explicitly, or the product of the shape times the dtype's width.
    public var bytes: Int

    /// A tensor whose size follows from its shape. A shape of `[]` is a scalar.
    public init(name: String, shape: [Int], dtype: DType = .float32, kind: TensorKind = .activation) {
        self.name = name
        self.shape = shape
        self.dtype = dtype
        self.kind = kind
        self.bytes = Tensor.byteCount(shape: shape, dtype: dtype) ?? 0
    }

    /// A tensor known only by its byte size (for example from a profiler), optionally with a shape.
    public init(name: String, bytes: Int, shape: [Int]? = nil, dtype: DType = .float32, kind: TensorKind = .activation) {
        self.name = name
        self.shape = shape
        self.dtype = dtype
        self.kind = kind
        self.bytes = bytes
    }

    /// A tensor of the same shape (or byte size) and element type, under another name and kind:
    /// a gradient, an optimizer moment.
    public func like(name: String, kind: TensorKind) -> Tensor {
        if let shape, Tensor.byteCount(shape: shape, dtype: dtype) == bytes {
            return Tensor(name: name, shape: shape, dtype: dtype, kind: kind)
        }
        return Tensor(name: name, bytes: bytes, shape: shape, dtype: dtype, kind: kind)
    }

    /// Number of elements, when the shape is known; otherwise the bytes divided by the width.
    public var elementCount: Int {
        if let shape {
            // Saturating: a graph's validation bounds every size, but a view may be asked first.
            var n = 1
            for d in shape {
                let (p, overflow) = n.multipliedReportingOverflow(by: d)
                if overflow { return Int.max }
                n = p
            }
            return n
        }
        return bytes / dtype.byteWidth
    }

    /// The product of the dimensions times the width, or `nil` when a dimension is not positive
    /// or the product overflows.
    public static func byteCount(shape: [Int], dtype: DType) -> Int? {
        var n = dtype.byteWidth
        for d in shape {
            guard d > 0 else { return nil }
            let (p, overflow) = n.multipliedReportingOverflow(by: d)
            if overflow { return nil }
            n = p
        }
        return n
    }
}

/// One operation of the graph: it reads its input tensors and writes its output tensors.
public struct Layer: Sendable, Hashable {
    /// Unique name within the graph.
    public var name: String
    /// The operation, such as `conv2d`, `linear` or `relu` (see docs/graph-format.md for the list
    /// the cost model knows).
    public var op: String
    /// Names of the tensors read, in operand order (for example data, weight, bias).
    public var inputs: [String]
    /// Names of the tensors written. An optimizer update writes its parameters in place and has none.
    public var outputs: [String]
    /// When the layer runs.
    public var phase: Phase
    /// Floating-point operations of one run, overriding the cost model.
    public var flops: Double?
    /// Measured seconds of one run, overriding the roofline estimate.
    public var time: Double?
    /// Operation parameters such as `kernel`, `stride`, `padding`, `groups`.
    public var attributes: [String: JSONValue]

    public init(
        name: String, op: String, inputs: [String], outputs: [String], phase: Phase = .forward,
        flops: Double? = nil, time: Double? = nil, attributes: [String: JSONValue] = [:]
    ) {
        self.name = name
        self.op = op
        self.inputs = inputs
        self.outputs = outputs
        self.phase = phase
        self.flops = flops
        self.time = time
        self.attributes = attributes
    }
}
