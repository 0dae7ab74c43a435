import Graph

/// A greedy rematerialization heuristic over tensor lifetimes in stage form, for general DAGs
/// and tight budgets, where eviction (DTR) cascades.
///
/// The plan is in the stage form of Checkmate (Jain et al., MLSys 2020) and Moccasin (Bartan et
/// al., ICML 2023): stage t ends with the first run of layer t, and a layer may rerun inside a
/// later stage. Every tensor is held as a list of *instances*, each a range of stages [a, b] in
/// which it is resident, with the stages that read it. Memory in stage t is counted as the
/// bytes of every instance whose range contains t — what that stage's layers read and write
/// plus what is held through it — an upper bound of the replayed peak.
///
/// Start: every tensor held from its producer's stage to its last reader's (graph outputs to
/// the end): the keep-everything plan. While some stage is over the budget, at the stage with
/// the largest excess, one *split* is applied: a recomputable tensor held through that stage
/// without being read there is freed after its previous read and recomputed in the stage of its
/// next read. The recomputation needs its producer's inputs in that stage; an input that is not
/// resident then either has its latest instance extended to it or is rerun there too (up to
/// ``rerunDepth`` deep), whichever adds less excess (a later split may recompute an extended
/// input in turn). Among the splits at that stage the one that most reduces the total excess
/// Σ_t max(0, memory(t) − budget) per unit of recompute cost wins; when none does, the next most
/// overloaded stage is tried (stages where nothing helped are skipped until a split changes
/// memory near them). The total excess falls at every step, so the loop ends. Then, from the
/// costliest recomputation down, splits that are no longer needed are merged back where memory
/// allows.
///
/// The plan is converted to steps (within a stage: reruns in topological order, then the
/// frontier layer; every tensor freed after its instance's last read) and replayed by the
/// simulator by the caller.
///
/// - Complexity: each split O(R · (G + I)) for R instances held in the chosen stage, G the
///   stages of a gap and I the producer's inputs; at most one split per unit of total excess
///   fall, in practice a few per tensor.
struct LifetimeSplitting {
    /// A tensor resident over stages [start, end], read in `reads` (sorted, within the range).
    struct Instance {
        var start: Int
        var end: Int
        var reads: [Int]
    }

    enum Failure: Error {
        /// No split lowers the excess any more.
        case stuck(excessBytes: Int)
        case deadlinePassed
    }

    let graph: ComputeGraph
    let costs: LayerCosts
    let budget: Int
    private let n: Int
    private let splittable: [Bool]
    private let isOutput: [Bool]
    /// Bytes resident throughout (parameters).
    private let constantBytes: Int
    private(set) var instances: [[Instance]]
    private(set) var memory: [Int]
    /// Per-tensor factors on the split score (a larger one splits that tensor sooner); `nil`:
    /// all ones, the plain greedy. Randomized restarts set them.
    var weights: [Double]?

    init(graph: ComputeGraph, costs: LayerCosts, budget: Int) {
        self.graph = graph
        self.costs = costs
        self.budget = budget
        n = graph.layers.count
        let nT = graph.tensors.count
        var isOutput = [Bool](repeating: false, count: nT)
        for t in graph.outputs { isOutput[t] = true }
        self.isOutput = isOutput
        splittable = (0..<nT).map { x in graph.producer[x].map { graph.layers[$0].phase == .forward } ?? false }
        constantBytes = graph.tensors.filter { $0.kind == .parameter }.reduce(0) { $0 + $1.bytes }
        var instances = [[Instance]](repeating: [], count: nT)
        var memory = [Int](repeating: constantBytes, count: n)
        for x in 0..<nT {
            let tensor = graph.tensors[x]
            if tensor.kind == .parameter { continue }
            var reads = graph.consumers[x]
            if isOutput[x], reads.last != n - 1 { reads.append(n - 1) }
            let start = graph.producer[x] ?? 0
            let end = max(start, reads.last ?? start)
            instances[x] = [Instance(start: start, end: end, reads: reads)]
            for t in start...end { memory[t] += tensor.bytes }
        }
        self.instances = instances
        self.memory = memory
    }

    /// Σ_t max(0, memory(t) − budget).
    var excess: Int { memory.reduce(0) { $0 + max(0, $1 - budget) } }

    /// Splits until every stage fits the budget, then merges back what memory allows.
    mutating func run(deadline: Deadline) throws(Failure) {
        try split(deadline: deadline)
        mergeBack(deadline: deadline)
    }

    /// Splits until every stage fits the budget.
    mutating func split(deadline: Deadline) throws(Failure) {
        // Stages where no split helped, skipped until a split changes memory near them; when
        // every overloaded stage is skipped, all are tried once more before giving up.
        var failed = Set<Int>()
        var retried = false
        while true {
            if deadline.hasPassed { throw .deadlinePassed }
            // Overloaded stages, most over first; the first at which some split helps is used.
            let over = memory.indices.filter { memory[$0] > budget }.sorted { memory[$0] > memory[$1] }
            if over.isEmpty { break }
            var applied = false
            let bound = SavingBound(memory: memory, budget: budget)
            for (k, t) in over.enumerated() where !failed.contains(t) {
                if k & 31 == 31, deadline.hasPassed { throw .deadlinePassed }
                if let move = bestSplit(at: t, depth: Self.rerunDepth, bound: bound) {
                    apply(move)
                    applied = true
                    retried = false
                    let margin = move.hi - move.lo
                    failed = failed.filter { $0 < move.lo - margin || $0 > move.hi + margin }
                    break
                }
                failed.insert(t)
            }
            if !applied {
                guard !retried, !failed.isEmpty else { throw .stuck(excessBytes: excess) }
                failed.removeAll()
                retried = true
            }
        }
    }

    /// What a rerun in stage `at` needs of one of its producer's inputs.
    private enum Need {
        /// The input is resident then: instance `j` gains a read.
        case read(TensorID, instance: Int)
        /// Instance `j` (the latest before) is held on to the stage.
        case extend(TensorID, instance: Int)
        /// The input is rerun in that stage too (a one-stage instance; its own needs follow).
        case rerun(TensorID)
    }

    /// A split of tensor x's instance i at the gap (lo, hi) between two reads, with what the
    /// rerun in stage hi needs.
    private struct Split {
        var x: TensorID
        var instance: Int
        var lo: Int
        var hi: Int
        var needs: [Need]
    }

    /// How deep a rerun may rerun its own missing inputs instead of holding them.
    static let rerunDepth = 2

    /// Memory changes of a candidate split: dense over the stages, with the stages touched and
    /// an undo log, so that trials cost what they touch.
    private struct Delta {
        var value: [Int]
        /// Each stage once, whatever its value now (an undo can bring one back to 0).
        var touched: [Int] = []
        var isTouched: [Bool]
        var log: [(stage: Int, previous: Int)] = []
        init(stages: Int) {
            value = [Int](repeating: 0, count: stages)
            isTouched = [Bool](repeating: false, count: stages)
        }
        mutating func add(_ amount: Int, at s: Int) {
            if !isTouched[s] { isTouched[s] = true; touched.append(s) }
            log.append((s, value[s]))
            value[s] += amount
        }
        mutating func undo(to mark: Int) {
            while log.count > mark { let e = log.removeLast(); value[e.stage] = e.previous }
        }
        mutating func clear() {
            for s in touched { value[s] = 0; isTouched[s] = false }
            touched.removeAll(keepingCapacity: true)
            log.removeAll(keepingCapacity: true)
        }
    }

    /// Prefix sums of the excess over the budget and of the overloaded stages, for a bound on
    /// what freeing a tensor over a range of stages can save: Σ min(bytes, excess(s)) ≤
    /// min(bytes · overloaded stages, Σ excess).
    private struct SavingBound {
        var excess: [Int]
        var overloaded: [Int]
        init(memory: [Int], budget: Int) {
            excess = [Int](repeating: 0, count: memory.count + 1)
            overloaded = [Int](repeating: 0, count: memory.count + 1)
            for (s, m) in memory.enumerated() {
                let e = max(0, m - budget)
                excess[s + 1] = excess[s] + e
                overloaded[s + 1] = overloaded[s] + (e > 0 ? 1 : 0)
            }
        }
        /// The most that freeing `bytes` over stages `range` can lower the total excess.
        func saving(_ bytes: Int, over range: Range<Int>) -> Int {
            guard !range.isEmpty else { return 0 }
            let count = overloaded[range.upperBound] - overloaded[range.lowerBound]
            let (product, overflow) = bytes.multipliedReportingOverflow(by: count)
            return min(overflow ? Int.max : product, excess[range.upperBound] - excess[range.lowerBound])
        }
    }

    /// The excess over the budget that adding `bytes` in stages `range` adds, given `delta`.
    private func addedExcess(_ bytes: Int, over range: ClosedRange<Int>, _ delta: Delta) -> Int {
        var e = 0
        for s in range {
            let m = memory[s] + delta.value[s]
            e += max(0, m + bytes - budget) - max(0, m - budget)
        }
        return e
    }

    /// The needs of rerunning layer p in stage `hi`, each missing input held or rerun, whichever
    /// adds less excess on its own; `delta` collects the memory changes, `cost` the reruns' cost.
    /// `decided`: the tensors that this split already makes resident in stage `hi` (a tensor read
    /// by several of the rerun layers is held or rerun once).
    private func needs(of p: LayerID, at hi: Int, depth: Int, delta: inout Delta, cost: inout Double,
                       decided: inout Set<TensorID>, prune: Prune? = nil) -> [Need]? {
        var out: [Need] = []
        var added = 0
        for y in Set(graph.layerInputs[p]).sorted() where graph.tensors[y].kind != .parameter {
            guard decided.insert(y).inserted else { continue }
            if let j = instances[y].firstIndex(where: { $0.start <= hi && hi <= $0.end }) {
                out.append(.read(y, instance: j))
                continue
            }
            let bytes = graph.tensors[y].bytes
            let j = instances[y].lastIndex(where: { $0.end < hi })
            let extendExcess = j.map { addedExcess(bytes, over: (instances[y][$0].end + 1)...hi, delta) } ?? Int.max
            var rerun = false
            if depth > 0, splittable[y], extendExcess > 0 {
                // Rerun y here: its bytes in this stage, and its own needs.
                let mark = delta.log.count
                let decidedBefore = decided
                let before = excessOf(delta)
                delta.add(bytes, at: hi)
                var trialCost = costs.perLayer[graph.producer[y]!]
                if let inner = needs(of: graph.producer[y]!, at: hi, depth: depth - 1, delta: &delta, cost: &trialCost, decided: &decided) {
                    let trialExcess = excessOf(delta) - before
                    if trialExcess < extendExcess {
                        cost += trialCost
                        added += trialExcess
                        out.append(.rerun(y))
                        out += inner
                        rerun = true
                    }
                }
                if !rerun { delta.undo(to: mark); decided = decidedBefore }
            }
            if !rerun {
                guard let j else { return nil }
                for s in (instances[y][j].end + 1)...hi { delta.add(bytes, at: s) }
                added += extendExcess
                out.append(.extend(y, instance: j))
            }
            // What is left of the saving per unit of cost can no longer beat the best split.
            if let prune, Double(prune.saving - added) / (cost + 1e-9) * prune.weight <= prune.floor { return nil }
        }
        return out
    }

    /// A candidate's exact saving before its needs, its score factor, and the best score so far:
    /// its needs stop as soon as the split cannot beat that.
    private struct Prune {
        var saving: Int
        var weight: Double
        var floor: Double
    }

    /// Σ over the touched stages of max(0, memory + delta − budget).
    private func excessOf(_ delta: Delta) -> Int {
        var e = 0
        for s in delta.touched { e += max(0, memory[s] + delta.value[s] - budget) }
        return e
    }

    /// The split that lowers stage t's memory and the total excess most per unit of cost.
    ///
    /// Candidates are tried in the order of a bound on their score (``SavingBound``, over the
    /// producer's own cost: the needs only add cost and excess), and the search stops at the
    /// first whose bound cannot beat the best found: the same choice as trying them all, up to
    /// ties, in a fraction of the trials.
    private func bestSplit(at t: Int, depth: Int, bound: SavingBound) -> Split? {
        var candidates: [(x: TensorID, instance: Int, lo: Int, hi: Int, bound: Double)] = []
        for x in graph.tensors.indices where splittable[x] {
            guard let i = instances[x].firstIndex(where: { $0.start < t && t <= $0.end }) else { continue }
            let inst = instances[x][i]
            // The gap around t: the previous read (or the start) < t < the next read.
            guard let hi = inst.reads.first(where: { $0 > t }), !inst.reads.contains(t) else { continue }
            let lo = max(inst.start, inst.reads.last(where: { $0 < t }) ?? inst.start)
            var b = Double(bound.saving(graph.tensors[x].bytes, over: (lo + 1)..<hi)) / (costs.perLayer[graph.producer[x]!] + 1e-9)
            if let weights { b *= weights[x] }
            candidates.append((x, i, lo, hi, b))
        }
        candidates.sort { $0.bound != $1.bound ? $0.bound > $1.bound : $0.x < $1.x }
        var best: Split?
        var bestScore = 0.0
        var delta = Delta(stages: n)
        for c in candidates {
            if c.bound <= bestScore { break }
            let (x, i, lo, hi) = (c.x, c.instance, c.lo, c.hi)
            let p = graph.producer[x]!
            delta.clear()
            let bytes = graph.tensors[x].bytes
            var saving = 0
            for s in (lo + 1)..<hi {
                delta.add(-bytes, at: s)
                saving += max(0, memory[s] - budget) - max(0, memory[s] - bytes - budget)
            }
            var cost = costs.perLayer[p]
            let weight = weights?[x] ?? 1
            // The exact saving of freeing x, over the producer's cost, bounds the score.
            if bestScore > 0, Double(saving) / (cost + 1e-9) * weight <= bestScore { continue }
            var decided: Set<TensorID> = [x]
            guard let needs = needs(of: p, at: hi, depth: depth, delta: &delta, cost: &cost, decided: &decided,
                                    prune: bestScore > 0 ? Prune(saving: saving, weight: weight, floor: bestScore) : nil) else { continue }
            // Siblings the reruns write that are not resident then: a transient in stage hi.
            var rerun = Set([p])
            var rerunTensors = Set<TensorID>()
            for case .rerun(let y) in needs { rerun.insert(graph.producer[y]!); rerunTensors.insert(y) }
            for k in rerun {
                for o in graph.layerOutputs[k] where o != x && !rerunTensors.contains(o)
                    && !instances[o].contains(where: { $0.start <= hi && hi <= $0.end }) {
                    delta.add(graph.tensors[o].bytes, at: hi)
                }
            }
            guard delta.value[t] < 0 else { continue }
            var change = 0
            for s in delta.touched {
                change += max(0, memory[s] + delta.value[s] - budget) - max(0, memory[s] - budget)
            }
            guard change < 0 else { continue }
            var score = Double(-change) / (cost + 1e-9)
            if let weights { score *= weights[x] }
            if score > bestScore {
                bestScore = score
                best = Split(x: x, instance: i, lo: lo, hi: hi, needs: needs)
            }
        }
        return best
    }

    private mutating func apply(_ move: Split) {
        let x = move.x, hi = move.hi
        let old = instances[x][move.instance]
        let bytes = graph.tensors[x].bytes
        for s in (move.lo + 1)..<hi { memory[s] -= bytes }
        instances[x][move.instance] = Instance(start: old.start, end: move.lo, reads: old.reads.filter { $0 <= move.lo })
        instances[x].insert(Instance(start: hi, end: old.end, reads: old.reads.filter { $0 >= hi }), at: move.instance + 1)
        // Reruns first: the reads and extensions below refer to instance indices from before them,
        // of other tensors.
        for need in move.needs {
            switch need {
            case .read(let y, let j):
                if !instances[y][j].reads.contains(hi) { instances[y][j].reads.append(hi); instances[y][j].reads.sort() }
            case .extend(let y, let j):
                if instances[y][j].end < hi {
                    for s in (instances[y][j].end + 1)...hi { memory[s] += graph.tensors[y].bytes }
                    instances[y][j].end = hi
                }
                if !instances[y][j].reads.contains(hi) { instances[y][j].reads.append(hi) }
            case .rerun:
                break
            }
        }
        for case .rerun(let y) in move.needs {
            memory[hi] += graph.tensors[y].bytes
            let at = instances[y].firstIndex(where: { $0.start > hi }) ?? instances[y].count
            instances[y].insert(Instance(start: hi, end: hi, reads: [hi]), at: at)
        }
        // The transient of siblings is not held: it is freed right after the rerun.
    }

    /// Merges consecutive instances of a tensor back into one, costliest recomputation first,
    /// where memory stays within the budget through the gap. The inputs' extensions made for the
    /// removed rerun are kept (a conservative count: memory only falls by merging).
    mutating func mergeBack(deadline: Deadline) {
        var pairs: [(Double, TensorID)] = []
        for x in graph.tensors.indices where instances[x].count > 1 {
            pairs.append((costs.perLayer[graph.producer[x]!], x))
        }
        pairs.sort { $0.0 > $1.0 }
        for (_, x) in pairs {
            if deadline.hasPassed { return }
            var k = 0
            while k + 1 < instances[x].count {
                let a = instances[x][k], b = instances[x][k + 1]
                let bytes = graph.tensors[x].bytes
                guard a.end < b.start else {
                    // Instances that meet (not made by the splits above; kept as a safeguard):
                    // one instance, the stages counted twice counted once.
                    for s in b.start...min(a.end, b.end) { memory[s] -= bytes }
                    instances[x][k] = Instance(start: a.start, end: max(a.end, b.end), reads: Array(Set(a.reads + b.reads)).sorted())
                    instances[x].remove(at: k + 1)
                    continue
                }
                if ((a.end + 1)..<b.start).allSatisfy({ memory[$0] + bytes <= budget }) {
                    for s in (a.end + 1)..<b.start { memory[s] += bytes }
                    instances[x][k] = Instance(start: a.start, end: b.end, reads: a.reads + b.reads)
                    instances[x].remove(at: k + 1)
                } else {
                    k += 1
                }
            }
        }
    }

    /// The plan's steps: in each stage, the reruns (instances that start there, other than the
    /// producer's first run) in topological order, then the frontier layer; a tensor is freed
    /// once its instance's reads in its last stage are done, graph outputs never.
    func steps() -> [ResolvedStep] {
        let nT = graph.tensors.count
        var runsIn = [[LayerID]](repeating: [], count: n)
        for x in 0..<nT where splittable[x] {
            for inst in instances[x].dropFirst() { runsIn[inst.start].append(graph.producer[x]!) }
        }
        var resident = [Bool](repeating: false, count: nT)
        var current = [Int](repeating: 0, count: nT)  // index of the instance resident or next
        for (x, t) in graph.tensors.enumerated() where t.kind == .input || t.kind == .parameter { resident[x] = true }
        var steps: [ResolvedStep] = []
        func instanceEnd(_ x: TensorID) -> Int {
            let list = instances[x]
            return list.isEmpty ? Int.max : list[min(current[x], list.count - 1)].end
        }
        var endsAt = [[TensorID]](repeating: [], count: n)
        for x in 0..<nT { for inst in instances[x] { endsAt[inst.end].append(x) } }
        for t in 0..<n {
            let layers = Array(Set(runsIn[t])).sorted() + [t]
            // Reads in this stage still to come, per tensor.
            var pending: [TensorID: Int] = [:]
            for k in layers { for y in graph.layerInputs[k] { pending[y, default: 0] += 1 } }
            for k in layers {
                for o in graph.layerOutputs[k] where resident[o] {
                    resident[o] = false
                    steps.append(.free(o))
                }
                steps.append(.compute(k))
                for o in graph.layerOutputs[k] { resident[o] = true }
                for y in graph.layerInputs[k] { pending[y]! -= 1 }
                for y in Set(graph.layerInputs[k] + graph.layerOutputs[k]) where resident[y] {
                    guard graph.tensors[y].kind != .parameter, !isOutput[y], pending[y, default: 0] == 0 else { continue }
                    // A sibling written by a rerun that holds no instance here is dropped at once.
                    let held = instances[y].contains { $0.start <= t && t <= $0.end }
                    if !held || instanceEnd(y) <= t {
                        resident[y] = false
                        steps.append(.free(y))
                        if held { current[y] += 1 }
                    }
                }
            }
            // Instances ending here that no layer of this stage touched.
            for x in endsAt[t] where resident[x] && !isOutput[x] && graph.tensors[x].kind != .parameter && instanceEnd(x) <= t {
                resident[x] = false
                steps.append(.free(x))
                current[x] += 1
            }
        }
        return steps
    }
}
