import Graph

extension Array where Element == ResolvedStep {
    /// The same schedule with every free moved to right after the last step that reads or
    /// writes the tensor (or to the very start when none does): memory is never higher at any
    /// point and the cost is the same.
    ///
    /// The checkpointing program (``CheckpointMILP``) frees a tensor within a stage only after a
    /// rerun that reads or writes it, or between stages; a greedy plan may evict a tensor later
    /// (DTR evicts when memory runs short), which the program cannot express, so that plan would
    /// not map to a solution. After this it does whenever it is in stage form.
    ///
    /// - Complexity: O(steps + reads).
    func withEarliestFrees(on graph: ComputeGraph) -> [ResolvedStep] {
        // frees[i + 1]: the frees placed right after output compute i (frees[0]: before all).
        var computes: [LayerID] = []
        var frees: [[TensorID]] = [[]]
        var lastTouch = [Int](repeating: -1, count: graph.tensors.count)
        for step in self {
            switch step {
            case .compute(let l):
                computes.append(l)
                frees.append([])
                for x in graph.layerInputs[l] { lastTouch[x] = computes.count - 1 }
                for x in graph.layerOutputs[l] { lastTouch[x] = computes.count - 1 }
            case .free(let x):
                frees[lastTouch[x] + 1].append(x)
            }
        }
        var result: [ResolvedStep] = []
        result.reserveCapacity(count)
        for x in frees[0] { result.append(.free(x)) }
        for (i, l) in computes.enumerated() {
            result.append(.compute(l))
            for x in frees[i + 1] { result.append(.free(x)) }
        }
        return result
    }
}
