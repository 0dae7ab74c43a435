import Foundation
import Graph

/// Runs a graph's layers in topological order, freeing tensors as a policy allows and
/// recomputing freed forward tensors on demand, and records the steps.
///
/// Two policies cover the baselines:
/// - *checkpoints*: a forward tensor that is not kept is freed once no later forward layer
///   reads it; when a later (backward) layer needs it, its producer runs again, recursively from
///   the nearest resident ancestors, and the recomputed tensors stay until their last reader
///   (so a segment between checkpoints is recomputed once, as in Chen et al. 2016);
/// - *eviction under a budget* (DTR, Kirisame et al. 2021): everything is kept until memory would
///   exceed the budget, then the resident forward tensor with the least
///   cost / (bytes · staleness) is evicted, to be recomputed when needed.
///
/// Every tensor is also freed after its last reader; graph outputs and parameters never are. A
/// kept tensor (checkpoint, input) is held longer: as long as a tensor that could be recomputed
/// from it without passing another kept tensor may still be read, because it is the source of
/// that recomputation.
struct ScheduleBuilder {
    /// The eviction score's variants: DTR's (Kirisame et al. 2021, h = c / (m · s)) and the
    /// neighbours of it that the planner's search tries (staleness weighted by an exponent; the
    /// cost of the evicted inputs counted, as DTR's h_DTR does with its evicted neighbourhood).
    struct EvictionPolicy: Sendable, Hashable {
        var stalenessExponent: Double
        var countsEvictedInputs: Bool
        static let dtr = EvictionPolicy(stalenessExponent: 1, countsEvictedInputs: false)
        /// The variants the planner's incumbent search runs (DTR's own first).
        static let variants: [EvictionPolicy] = [0, 0.5, 1, 2].flatMap { a in
            [false, true].map { EvictionPolicy(stalenessExponent: a, countsEvictedInputs: $0) }
        }
    }

    let graph: ComputeGraph
    let costs: LayerCosts
    /// Forward tensors to keep from their producer to their last reader.
    let keep: [Bool]
    /// When set, evict to stay within it.
    let budget: Int?
    /// How eviction scores tensors.
    var eviction = EvictionPolicy.dtr
    /// Per-tensor factors on the eviction score (a larger factor: evicted later); `nil` for 1.
    var scoreWeights: [Double]?
    /// When the run must stop (checked every 256 steps).
    var deadline = Deadline.none
    /// The most steps a schedule may have: on wide DAGs, recomputation under eviction can
    /// cascade (each recomputed tensor needing inputs that were freed in turn) far past any
    /// useful plan; this bounds the schedule's memory. See ``maximumSteps(for:)``.
    var stepLimit: Int

    private(set) var steps: [ResolvedStep] = []
    private var resident: [Bool]
    private var residentList: [TensorID] = []
    private var bytes = 0
    private var pinned: [Int]
    private var recomputed: [Bool]
    private var lastAccess: [Int]
    private var clock = 0
    private var position = 0
    private let lastUse: [Int]
    private let lastForwardUse: [Int]
    private let isOutput: [Bool]

    enum Failure: Error {
        /// Eviction cannot make room: everything resident is pinned or not recomputable.
        case cannotFit(needed: Int)
        /// A tensor needed again has no forward producer to recompute it.
        case notRecomputable(TensorID)
        /// The deadline passed before the schedule was complete.
        case deadlinePassed
        /// The schedule grew past ``ScheduleBuilder/stepLimit`` steps.
        case tooManySteps(Int)
    }

    /// The default step limit: 200 steps a layer (a plan that reruns every layer 100 times),
    /// at least 100,000 and at most 20 million (about 320 MB of steps).
    static func maximumSteps(for graph: ComputeGraph) -> Int {
        min(20_000_000, max(100_000, 200 * (graph.layers.count + graph.tensors.count)))
    }

    init(graph: ComputeGraph, costs: LayerCosts, keep: [Bool], budget: Int? = nil) {
        self.graph = graph
        self.costs = costs
        self.keep = keep
        self.budget = budget
        self.stepLimit = ScheduleBuilder.maximumSteps(for: graph)
        let nT = graph.tensors.count
        resident = [Bool](repeating: false, count: nT)
        pinned = [Int](repeating: 0, count: nT)
        recomputed = [Bool](repeating: false, count: nT)
        lastAccess = [Int](repeating: 0, count: nT)
        var isOutput = [Bool](repeating: false, count: nT)
        for t in graph.outputs { isOutput[t] = true }
        self.isOutput = isOutput
        var lastUse = [Int](repeating: -1, count: nT)
        var lastForwardUse = [Int](repeating: -1, count: nT)
        for t in 0..<nT {
            lastUse[t] = graph.consumers[t].last ?? -1
            lastForwardUse[t] = graph.consumers[t].last(where: { graph.layers[$0].phase == .forward }) ?? (graph.producer[t] ?? -1)
            if isOutput[t] || graph.tensors[t].kind == .parameter { lastUse[t] = Int.max }
        }
        // Hold recomputation sources while anything recomputable from them may still be read:
        // the kept tensors; under eviction any forward tensor may be recomputed, so the sources
        // are the tensors no forward layer writes (inputs).
        let source: [Bool] = budget == nil ? keep : graph.recomputableTensors().map { !$0 }
        let reach = graph.recomputationReach(lastUse: lastUse, isSource: source)
        for t in 0..<nT where source[t] { lastUse[t] = reach[t] }
        self.lastUse = lastUse
        self.lastForwardUse = lastForwardUse
        for (t, tensor) in graph.tensors.enumerated() where tensor.kind == .input || tensor.kind == .parameter {
            resident[t] = true
            bytes += tensor.bytes
            if tensor.kind == .input { residentList.append(t) }
        }
    }

    /// Builds the whole schedule.
    mutating func run() throws(Failure) -> [ResolvedStep] {
        position = -1  // before the first layer: drop inputs nobody reads
        freeDead()
        for l in graph.layers.indices {
            position = l
            try run(layer: l)
            freeDead()
        }
        position = graph.layers.count
        // Each output, once resident, is pinned: recomputing the next one must not evict it.
        for t in graph.outputs {
            try ensure(t)
            pinned[t] += 1
        }
        return steps
    }

    private mutating func run(layer l: LayerID) throws(Failure) {
        for t in graph.layerInputs[l] { pinned[t] += 1 }
        defer { for t in graph.layerInputs[l] { pinned[t] -= 1 } }
        for t in graph.layerInputs[l] { try ensure(t) }
        try compute(l)
    }

    /// Makes a tensor resident, recomputing its producer (and, recursively, whatever that needs).
    private mutating func ensure(_ t: TensorID) throws(Failure) {
        if resident[t] {
            clock += 1
            lastAccess[t] = clock
            return
        }
        guard let p = graph.producer[t], graph.layers[p].phase == .forward else { throw .notRecomputable(t) }
        // Pinned while the recomputation runs (a failure ends the whole schedule, pins and all).
        for i in graph.layerInputs[p] { pinned[i] += 1 }
        for i in graph.layerInputs[p] { try ensure(i) }
        // A layer runs only when none of its outputs is resident.
        for o in graph.layerOutputs[p] where resident[o] { free(o) }
        try compute(p)
        for i in graph.layerInputs[p] { pinned[i] -= 1 }
        for o in graph.layerOutputs[p] { recomputed[o] = true }
        // Inputs that were only needed for this recomputation can go now (before the next layer
        // of the chain runs).
        freeDead()
    }

    private mutating func compute(_ l: LayerID) throws(Failure) {
        let need = graph.layerOutputs[l].reduce(0) { $0 + graph.tensors[$1].bytes }
        if let budget, bytes + need > budget {
            for o in graph.layerOutputs[l] { pinned[o] += 1 }
            defer { for o in graph.layerOutputs[l] { pinned[o] -= 1 } }
            try evict(toFit: need, budget: budget)
        }
        steps.append(.compute(l))
        if steps.count & 255 == 0 {
            if steps.count > stepLimit { throw .tooManySteps(stepLimit) }
            if deadline.hasPassed { throw .deadlinePassed }
        }
        clock += 1
        for o in graph.layerOutputs[l] {
            resident[o] = true
            residentList.append(o)
            bytes += graph.tensors[o].bytes
            lastAccess[o] = clock
        }
    }

    private mutating func free(_ t: TensorID) {
        resident[t] = false
        bytes -= graph.tensors[t].bytes
        steps.append(.free(t))
    }

    /// Frees every unpinned resident tensor that no later layer reads, and every forward tensor
    /// that is not kept once the forward layers that read it are done.
    private mutating func freeDead() {
        var kept: [TensorID] = []
        kept.reserveCapacity(residentList.count)
        for t in residentList where resident[t] {
            if pinned[t] == 0 && !isOutput[t] && isDead(t) {
                free(t)
            } else {
                kept.append(t)
            }
        }
        residentList = kept
    }

    private func isDead(_ t: TensorID) -> Bool {
        if lastUse[t] <= position { return true }
        guard let p = graph.producer[t], graph.layers[p].phase == .forward else { return false }
        return !keep[t] && !recomputed[t] && lastForwardUse[t] <= position
    }

    /// DTR's heuristic: evict the resident recomputable tensor with the least
    /// cost / (bytes · staleness^α) until `need` more bytes fit (α and the cost per ``EvictionPolicy``).
    private mutating func evict(toFit need: Int, budget: Int) throws(Failure) {
        while bytes + need > budget {
            var best: TensorID?
            var bestScore = Double.infinity
            for t in residentList where resident[t] && pinned[t] == 0 {
                guard let p = graph.producer[t], graph.layers[p].phase == .forward else { continue }
                let staleness = Double(clock - lastAccess[t] + 1)
                var cost = costs.perLayer[p]
                if eviction.countsEvictedInputs {
                    // The evicted neighbourhood, one level: recomputing t also recomputes the
                    // producers of its producer's inputs that are gone.
                    for i in graph.layerInputs[p] where !resident[i] {
                        if let q = graph.producer[i], graph.layers[q].phase == .forward { cost += costs.perLayer[q] }
                    }
                }
                var score = (cost + 1e-12) / (Double(graph.tensors[t].bytes) * pow(staleness, eviction.stalenessExponent))
                if let scoreWeights { score *= scoreWeights[t] }
                if score < bestScore { bestScore = score; best = t }
            }
            guard let victim = best else { throw .cannotFit(needed: bytes + need) }
            free(victim)
            recomputed[victim] = false
        }
        residentList = residentList.filter { resident[$0] }
    }
}
