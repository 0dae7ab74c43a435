extension ComputeGraph {
    /// The inference view: forward layers only, priced for inference.
    ///
    /// Backward and update layers, loss layers, gradients and the tensors only they use are dropped; batch
    /// normalization is priced as the scale and shift it becomes once its statistics are frozen
    /// (2 operations per element instead of 8), and dropout as nothing.
    /// - Complexity: O(T + L + E).
    public func inference() throws(GraphError) -> ComputeGraph {
        let kept = layers.indices.filter { l in
            if case .loss? = CostModel.opClasses[layers[l].op.lowercased()] { return false }
            return layers[l].phase == .forward
        }
        var used = [Bool](repeating: false, count: tensors.count)
        for l in kept {
            for t in layerInputs[l] { used[t] = true }
            for t in layerOutputs[l] { used[t] = true }
        }
        let keptTensors = tensors.indices.filter { used[$0] }.map { tensors[$0] }
        let keptOutputs = outputs.filter { used[$0] && tensors[$0].kind != .gradient }.map { tensors[$0].name }
        return try ComputeGraph(
            name: name, batch: batch, tensors: keptTensors, layers: kept.map { layers[$0] },
            outputs: keptOutputs.isEmpty ? nil : keptOutputs, locations: GraphSourceMap(file: nil), inference: true)
    }

    /// The same network at another batch size.
    ///
    /// The first dimension of every input, activation and gradient whose first dimension is a
    /// multiple of the current batch is scaled by `newBatch / batch`; so are explicit byte
    /// sizes of such tensors without a shape, and every layer's explicit `flops` and measured
    /// `time` (a linear model of batch cost), except update layers. Parameters keep their size.
    /// A name ending in `-b<batch>` (the bundled models' convention) gets the new batch.
    /// - Throws: ``GraphError/invalidValue(_:reason:)`` when the graph has no `batch` or the new
    ///   batch is not positive.
    public func rescaled(batch newBatch: Int) throws(GraphError) -> ComputeGraph {
        guard let batch else {
            throw .invalidValue(SourceLocation(path: "batch"), reason: "graph '\(name)' has no \"batch\" field, so its batch cannot be changed")
        }
        guard newBatch > 0 else {
            throw .invalidValue(SourceLocation(path: "batch"), reason: "the batch must be a positive integer, got \(newBatch)")
        }
        if newBatch == batch { return self }
        let scale = Double(newBatch) / Double(batch)
        let newTensors = tensors.map { t -> Tensor in
            guard t.kind != .parameter else { return t }
            var u = t
            if let shape = t.shape {
                guard let first = shape.first, first % batch == 0 else { return t }
                var s = shape
                s[0] = first / batch * newBatch
                let explicit = Tensor.byteCount(shape: shape, dtype: t.dtype) != t.bytes
                u.shape = s
                u.bytes = explicit ? Int((Double(t.bytes) * scale).rounded(.up)) : (Tensor.byteCount(shape: s, dtype: t.dtype) ?? t.bytes)
            } else {
                u.bytes = max(1, Int((Double(t.bytes) * scale).rounded(.up)))
            }
            return u
        }
        let newLayers = layers.map { l -> Layer in
            guard l.phase != .update else { return l }  // an update's cost follows the parameters
            var m = l
            m.flops = l.flops.map { $0 * scale }
            m.time = l.time.map { $0 * scale }
            return m
        }
        // Names that carry the batch by the exporter's convention ("vgg16-b32") follow it.
        let suffix = "-b\(batch)"
        let newName = name.hasSuffix(suffix) ? String(name.dropLast(suffix.count)) + "-b\(newBatch)" : name
        return try ComputeGraph(
            name: newName, batch: newBatch, tensors: newTensors, layers: newLayers, outputs: outputs.map { tensors[$0].name },
            locations: GraphSourceMap(file: nil), inference: isInference)
    }
}
