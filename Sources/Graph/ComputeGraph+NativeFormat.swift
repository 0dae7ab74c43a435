extension ComputeGraph {
    static let tensorFields: Set<String> = ["name", "shape", "dtype", "kind", "bytes"]
    static let layerFields: Set<String> = ["name", "op", "inputs", "outputs", "phase", "flops", "time", "attributes"]

    /// Reads a graph in the native format (docs/graph-format.md) from a parsed document.
    ///
    /// - Parameter file: named in errors.
    /// - Throws: ``GraphError`` naming the file, the JSON path and the reason.
    public init(nativeJSON root: JSONValue, file: String? = nil, inference: Bool = false) throws(GraphError) {
        let doc = try JSONFieldReader(root, at: SourceLocation(file: file))
        let name = try doc.optionalString("name") ?? file.map { ComputeGraph.stem(of: $0) } ?? "graph"
        let batch = try doc.optionalInt("batch")

        let tensorValues = try doc.array("tensors")
        var tensors: [Tensor] = []
        tensors.reserveCapacity(tensorValues.count)
        for (i, value) in tensorValues.enumerated() {
            let r = try JSONFieldReader(value, at: doc.location.appending("tensors").appending(index: i))
            try r.rejectUnknown(ComputeGraph.tensorFields)
            let tname = try r.string("name")
            var dtype = DType.float32
            if let d = try r.optionalString("dtype") {
                guard let parsed = DType(name: d) else {
                    throw .invalidValue(r.location.appending("dtype"), reason: "unknown dtype '\(d)' (known: \(DType.allCases.map(\.rawValue).joined(separator: ", ")))")
                }
                dtype = parsed
            }
            var kind = TensorKind.activation
            if let k = try r.optionalString("kind") {
                guard let parsed = TensorKind(rawValue: k) else {
                    throw .invalidValue(r.location.appending("kind"), reason: "unknown kind '\(k)' (known: input, parameter, activation, gradient)")
                }
                kind = parsed
            }
            let shape = r.has("shape") ? try r.ints("shape") : nil
            if let shape, let k = shape.firstIndex(where: { $0 <= 0 }) {
                throw .invalidValue(r.location.appending("shape").appending(index: k),
                                    reason: "dimension \(k) of tensor '\(tname)' is \(shape[k]); dimensions must be positive")
            }
            if r.has("bytes") {
                let bytes = try r.int("bytes")
                guard bytes > 0 else {
                    throw .invalidValue(r.location.appending("bytes"), reason: "tensor '\(tname)' has size \(bytes) bytes; sizes must be positive")
                }
                tensors.append(Tensor(name: tname, bytes: bytes, shape: shape, dtype: dtype, kind: kind))
            } else if let shape {
                guard Tensor.byteCount(shape: shape, dtype: dtype) != nil else {
                    throw .invalidValue(r.location.appending("shape"), reason: "tensor '\(tname)' is too large: its byte size overflows 64 bits")
                }
                tensors.append(Tensor(name: tname, shape: shape, dtype: dtype, kind: kind))
            } else {
                throw .invalidValue(r.location, reason: "tensor '\(tname)' needs \"shape\" or \"bytes\"")
            }
        }

        let layerValues = try doc.array("layers")
        var layers: [Layer] = []
        layers.reserveCapacity(layerValues.count)
        for (i, value) in layerValues.enumerated() {
            let r = try JSONFieldReader(value, at: doc.location.appending("layers").appending(index: i))
            try r.rejectUnknown(ComputeGraph.layerFields)
            var phase = Phase.forward
            if let p = try r.optionalString("phase") {
                guard let parsed = Phase(rawValue: p) else {
                    throw .invalidValue(r.location.appending("phase"), reason: "unknown phase '\(p)' (known: forward, backward, update)")
                }
                phase = parsed
            }
            var attributes: [String: JSONValue] = [:]
            if r.has("attributes") {
                let a = try r.value("attributes")
                guard let o = a.objectValue else {
                    throw .wrongType(r.location.appending("attributes"), expected: "an object", found: a.typeName)
                }
                attributes = o
            }
            layers.append(Layer(
                name: try r.string("name"), op: try r.string("op"),
                inputs: r.has("inputs") ? try r.strings("inputs") : [],
                outputs: r.has("outputs") ? try r.strings("outputs") : [],
                phase: phase, flops: try r.optionalNumber("flops"), time: try r.optionalNumber("time"),
                attributes: attributes))
        }
        let outputs = doc.has("outputs") ? try doc.strings("outputs") : nil
        try self.init(name: name, batch: batch, tensors: tensors, layers: layers, outputs: outputs,
                      locations: GraphSourceMap(file: file), inference: inference)
    }

    /// The graph in the native format, layers in topological order.
    public func nativeJSON() -> JSONValue {
        var root: [String: JSONValue] = ["name": .string(name)]
        if let batch { root["batch"] = .number(Double(batch)) }
        root["tensors"] = .array(tensors.map { t in
            var o: [String: JSONValue] = ["name": .string(t.name)]
            if let shape = t.shape {
                o["shape"] = .array(shape.map { .number(Double($0)) })
                if Tensor.byteCount(shape: shape, dtype: t.dtype) != t.bytes { o["bytes"] = .number(Double(t.bytes)) }
            } else {
                o["bytes"] = .number(Double(t.bytes))
            }
            if t.dtype != .float32 { o["dtype"] = .string(t.dtype.rawValue) }
            if t.kind != .activation { o["kind"] = .string(t.kind.rawValue) }
            return .object(o)
        })
        root["layers"] = .array(layers.map { l in
            var o: [String: JSONValue] = [
                "name": .string(l.name), "op": .string(l.op),
                "inputs": .array(l.inputs.map(JSONValue.string)), "outputs": .array(l.outputs.map(JSONValue.string)),
            ]
            if l.phase != .forward { o["phase"] = .string(l.phase.rawValue) }
            if let f = l.flops { o["flops"] = .number(f) }
            if let t = l.time { o["time"] = .number(t) }
            if !l.attributes.isEmpty { o["attributes"] = .object(l.attributes) }
            return .object(o)
        })
        root["outputs"] = .array(outputs.map { .string(tensors[$0].name) })
        return .object(root)
    }

    static func stem(of path: String) -> String {
        let base = path.split(separator: "/").last.map(String.init) ?? path
        if let dot = base.lastIndex(of: "."), dot > base.startIndex { return String(base[..<dot]) }
        return base
    }
}
