import Graph

extension ComputeGraph {
    /// The keep-everything peak of running the layers in `order` with no recomputation: inputs
    /// and parameters resident from the start, each output allocated while its layer runs, each
    /// tensor freed after its last reader (graph outputs and parameters never; outputs nobody
    /// reads right after their layer), as ``Baselines/checkpointAll(_:costs:)`` schedules it. Every layer's inputs and outputs are counted
    /// together, as the simulator counts a compute step.
    /// - Complexity: O(L + E).
    func keepEverythingPeak(order: [LayerID]) -> Int {
        var state = OrderState(self)
        var peak = state.live
        for l in order { peak = max(peak, state.run(l)) }
        return peak
    }

    /// A topological order of the layers with a low keep-everything peak (memory-aware
    /// scheduling, as in Ahn et al., "Ordering Chaos: Memory-Aware Scheduling of Irregularly
    /// Wired Neural Networks", MLSys 2020, solved there exactly by dynamic programming; here
    /// greedily).
    ///
    /// Among the layers ready to run, the one that adds the fewest bytes — its outputs minus the
    /// inputs it is the last reader of — runs next (ties: the earlier layer). Restarts add a
    /// random term to the score (up to the mean tensor size) and keep the order with the lowest
    /// peak; the order given and the plain greedy are candidates, so the result is never worse
    /// than either.
    /// - Complexity: O(L · R + E) per run for R layers ready at a time; every run, the first
    ///   included, stops at `deadline` (an unfinished order is not a candidate).
    /// - Returns: the order, its peak, and the peak of the order given.
    func memoryAwareOrder(restarts: Int, seed: UInt64 = 1, deadline: Deadline = .none) -> (order: [LayerID], peak: Int, givenPeak: Int) {
        let meanBytes = Double(tensors.reduce(0) { $0 + $1.bytes }) / Double(max(1, tensors.count))
        var rng = SplitMix64(seed: seed)
        // The order given is the first candidate: the result is never worse.
        let givenPeak = keepEverythingPeak(order: Array(layers.indices))
        var best: (order: [LayerID], peak: Int) = (Array(layers.indices), givenPeak)
        for run in 0...max(0, restarts) {
            if run > 0, deadline.hasPassed { break }
            let noise = run == 0 ? 0 : meanBytes
            var state = OrderState(self)
            var indegree = layers.indices.map { l in Set(layerInputs[l].compactMap { producer[$0] }).count }
            var ready = layers.indices.filter { indegree[$0] == 0 }
            var order: [LayerID] = []
            order.reserveCapacity(layers.count)
            var peak = state.live
            while !ready.isEmpty {
                if order.count & 255 == 255, deadline.hasPassed { break }  // unfinished: not a candidate
                var chosen = 0
                var chosenScore = Double.infinity
                for (k, l) in ready.enumerated() {
                    var score = Double(state.added(by: l))
                    if noise > 0 { score += noise * Double(rng.next() >> 11) / Double(1 << 53) }
                    if score < chosenScore || (score == chosenScore && l < ready[chosen]) { chosen = k; chosenScore = score }
                }
                let l = ready.remove(at: chosen)
                order.append(l)
                peak = max(peak, state.run(l))
                if peak >= best.peak { break }  // cannot beat the best any more
                // A reader counts each producer once (`indegree` above).
                for r in Set(layerOutputs[l].flatMap { consumers[$0] }).sorted() {
                    indegree[r] -= 1
                    if indegree[r] == 0 { ready.append(r) }
                }
            }
            if order.count == layers.count, peak < best.peak { best = (order, peak) }
        }
        return (best.order, best.peak, givenPeak)
    }

    /// The same graph with its layers given in `order` (a topological order of this graph's
    /// layers): names, tensors and outputs unchanged, so a plan for one is a plan for the other.
    func reordered(_ order: [LayerID]) throws(PlanError) -> ComputeGraph {
        do {
            return try ComputeGraph(name: name, batch: batch, tensors: tensors, layers: order.map { layers[$0] },
                                    outputs: outputs.map { tensors[$0].name }, inference: isInference)
        } catch {
            throw .invalidRequest("reordering graph '\(name)': \(error.description)")
        }
    }
}

/// The live bytes while layers run in some order, with no recomputation (``ComputeGraph/keepEverythingPeak(order:)``).
private struct OrderState {
    let graph: ComputeGraph
    /// Readers of each tensor not yet run.
    var remaining: [Int]
    var live: Int
    let freeable: [Bool]

    init(_ graph: ComputeGraph) {
        self.graph = graph
        remaining = graph.consumers.map { Set($0).count }
        var isOutput = [Bool](repeating: false, count: graph.tensors.count)
        for t in graph.outputs { isOutput[t] = true }
        freeable = graph.tensors.indices.map { t in
            !isOutput[t] && graph.tensors[t].kind != .parameter
        }
        live = graph.tensors.filter { $0.kind == .input || $0.kind == .parameter }.reduce(0) { $0 + $1.bytes }
    }

    /// Bytes that running `l` adds once it has run: outputs kept minus inputs it reads last.
    func added(by l: LayerID) -> Int {
        var bytes = 0
        for t in Set(graph.layerOutputs[l]) where !(freeable[t] && remaining[t] == 0) { bytes += graph.tensors[t].bytes }
        for t in Set(graph.layerInputs[l]) where freeable[t] && remaining[t] == 1 { bytes -= graph.tensors[t].bytes }
        return bytes
    }

    /// Runs `l`; returns the live bytes while it runs (inputs and outputs together).
    mutating func run(_ l: LayerID) -> Int {
        for t in Set(graph.layerOutputs[l]) { live += graph.tensors[t].bytes }
        let during = live
        for t in Set(graph.layerInputs[l]) {
            remaining[t] -= 1
            if freeable[t] && remaining[t] == 0 { live -= graph.tensors[t].bytes }
        }
        for t in Set(graph.layerOutputs[l]) where freeable[t] && remaining[t] == 0 { live -= graph.tensors[t].bytes }
        return during
    }
}
