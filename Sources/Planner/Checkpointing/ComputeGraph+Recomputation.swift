import Graph

extension ComputeGraph {
    /// For each tensor, whether a forward layer writes it, so that a planner may recompute it.
    /// Inputs, parameters and what backward or update layers write are not recomputable.
    func recomputableTensors() -> [Bool] {
        producer.map { p in p.map { layers[$0].phase == .forward } ?? false }
    }

    /// For each tensor, the last position at which it, or anything recomputable from it without
    /// passing through a source, is read: how long a source must be held for recomputation.
    ///
    /// - Parameters:
    ///   - lastUse: each tensor's own last reader (or a later position for what must stay).
    ///   - isSource: tensors that stop the propagation (kept checkpoints; tensors that cannot be
    ///     recomputed). A recomputable tensor's reach flows back to the inputs of its producer.
    /// - Complexity: O(L + E).
    func recomputationReach(lastUse: [Int], isSource: [Bool]) -> [Int] {
        var reach = lastUse
        for l in layers.indices.reversed() where layers[l].phase == .forward {
            var downstream = -1
            for o in layerOutputs[l] where !isSource[o] { downstream = max(downstream, reach[o]) }
            guard downstream >= 0 else { continue }
            for i in layerInputs[l] { reach[i] = max(reach[i], downstream) }
        }
        return reach
    }
}
