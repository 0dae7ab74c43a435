import Graph

extension ComputeGraph {
    /// The forward layers that separate the forward graph: taking the forward layers in
    /// topological order, a layer is one when no forward data dependency jumps over it (every
    /// tensor written by an earlier forward layer is last read by a forward layer no later than
    /// it). Graph inputs and parameters do not count: they are resident anyway.
    ///
    /// In a chain every layer is one; in a residual network they are the layers at block
    /// boundaries, where the skip connection rejoins. Checkpointing at them is Checkmate's
    /// articulation-point generalization of Chen et al.'s segment strategies to non-linear
    /// graphs (Jain et al. 2020, appendix): a segment between two of them can be recomputed from
    /// the first one alone.
    /// - Complexity: O(L + E).
    public func forwardArticulationPoints() -> [LayerID] {
        let forward = layers.indices.filter { layers[$0].phase == .forward }
        var rank = [Int](repeating: -1, count: layers.count)
        for (r, l) in forward.enumerated() { rank[l] = r }
        var result: [LayerID] = []
        var reach = -1  // the furthest forward rank read by a tensor written before the current layer
        for (r, l) in forward.enumerated() {
            if reach <= r { result.append(l) }
            for t in layerOutputs[l] {
                for c in consumers[t] where rank[c] >= 0 { reach = max(reach, rank[c]) }
            }
        }
        return result
    }
}
