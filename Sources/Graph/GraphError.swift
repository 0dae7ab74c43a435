/// Where in an input a problem was found: the file (when the input came from one) and the
/// JSON path of the field, such as `layers[3].inputs[1]`.
public struct SourceLocation: Sendable, Hashable, CustomStringConvertible {
    /// The file the input was read from, or `nil` for a graph built in code.
    public var file: String?
    /// The JSON path of the offending field; empty for the document as a whole.
    public var path: String

    public init(file: String? = nil, path: String = "") {
        self.file = file
        self.path = path
    }

    /// The location of a member of this one.
    public func appending(_ key: String) -> SourceLocation {
        SourceLocation(file: file, path: path.isEmpty ? key : path + "." + key)
    }

    /// The location of an element of this one.
    public func appending(index: Int) -> SourceLocation {
        SourceLocation(file: file, path: path + "[\(index)]")
    }

    public var description: String {
        switch (file, path.isEmpty) {
        case (let f?, false): "\(f): \(path)"
        case (let f?, true): f
        case (nil, false): path
        case (nil, true): "graph"
        }
    }
}

/// Why a graph or hardware description was rejected. Every case names where (file and JSON
/// path) and why; ``description`` is a sentence fit for a terminal.
public enum GraphError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The input could not be read at all.
    case unreadable(file: String, reason: String)
    /// The text is not valid JSON.
    case malformedJSON(file: String?, line: Int, column: Int, reason: String)
    /// A required field is absent.
    case missingField(SourceLocation)
    /// A field holds a value of the wrong JSON type.
    case wrongType(SourceLocation, expected: String, found: String)
    /// A field holds a value outside its domain (an unknown dtype, a zero size, ...).
    case invalidValue(SourceLocation, reason: String)
    /// Two tensors or two layers share a name.
    case duplicateName(SourceLocation, name: String, firstAt: String)
    /// A layer or the output list names a tensor that is not declared.
    case unknownTensor(SourceLocation, name: String)
    /// Two layers write the same tensor.
    case producedTwice(SourceLocation, tensor: String, firstProducer: String)
    /// An activation or gradient that no layer produces.
    case notProduced(SourceLocation, tensor: String, kind: TensorKind)
    /// The layers' data dependencies form a cycle; `layers` lists one cycle in order.
    case cycle(layers: [String], file: String?)
    /// The graph has no layers.
    case emptyGraph(file: String?)
    /// Neither `flops` nor `time` is given and the cost model has no formula for this layer.
    case undeterminableCost(SourceLocation, layer: String, op: String, reason: String)

    public var description: String {
        switch self {
        case .unreadable(let file, let reason):
            return "\(file): cannot read: \(reason)"
        case .malformedJSON(let file, let line, let column, let reason):
            return "\(file ?? "input"):\(line):\(column): malformed JSON: \(reason)"
        case .missingField(let loc):
            return "\(loc): missing required field"
        case .wrongType(let loc, let expected, let found):
            return "\(loc): expected \(expected), found \(found)"
        case .invalidValue(let loc, let reason):
            return "\(loc): \(reason)"
        case .duplicateName(let loc, let name, let firstAt):
            return "\(loc): duplicate name '\(name)' (first declared at \(firstAt))"
        case .unknownTensor(let loc, let name):
            return "\(loc): unknown tensor '\(name)' (not declared in \"tensors\")"
        case .producedTwice(let loc, let tensor, let first):
            return "\(loc): tensor '\(tensor)' is already produced by layer '\(first)'; a tensor has one producer"
        case .notProduced(let loc, let tensor, let kind):
            return "\(loc): \(kind.rawValue) '\(tensor)' is produced by no layer; declare it with \"kind\": \"input\" or \"parameter\", or add the layer that writes it"
        case .cycle(let layers, let file):
            let loop = (layers + [layers.first ?? ""]).joined(separator: " -> ")
            return "\(file.map { $0 + ": " } ?? "")layers: the graph has a cycle: \(loop)"
        case .emptyGraph(let file):
            return "\(file.map { $0 + ": " } ?? "")layers: the graph has no layers"
        case .undeterminableCost(let loc, let layer, let op, let reason):
            return "\(loc): cannot determine the cost of layer '\(layer)' (op '\(op)'): \(reason); give \"flops\" or \"time\""
        }
    }
}
