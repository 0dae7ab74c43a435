import Graph

/// Selective recomputation for training graphs: which saved activations to drop after the forward
/// pass and recompute, just in time, for the backward layers that read them.
///
/// A plan here is a *keep set*: every forward tensor that a backward layer reads (a saved
/// activation) is either kept from its producer to its last reader, or freed once the forward
/// layers are done with it and recomputed on demand from the nearest resident ancestors
/// (``ScheduleBuilder``'s checkpoint policy: a recomputed tensor stays until its last reader, the
/// sources of a recomputation are held while it may run). Korthikanti et al. 2022 ("Reducing
/// Activation Recomputation in Large Transformer Models") drop the attention scores this way by
/// hand; Pleiss et al. 2017 the concatenations and normalizations of DenseNet. Here the set is
/// chosen for the graph and the budget:
///
/// 1. *Drop at the peak.* From the keep-everything plan, while the replayed peak is over the
///    budget: among the kept activations resident at the peak step (and not read or written by the
///    layer running there), drop those with the least estimated recompute cost per byte — the
///    layers between the tensor and its nearest kept ancestors — until their bytes cover the
///    excess, and replay.
/// 2. *Keep back.* Dropped tensors, costliest recomputation first, are kept again where the plan
///    still fits; each change is replayed.
/// 3. *Swap.* Until a pass improves nothing (or ten times the time steps 1–2 took), a dropped
///    tensor is kept again while the cheapest-per-byte kept ones resident at the new peak are
///    dropped in exchange; the swap stays when the plan fits at a lower cost.
///
/// Every decision is checked by replaying the whole schedule, so the plan returned is exactly
/// what the simulator measures. Graphs without backward layers have nothing to drop: only the
/// keep-everything plan, which fits or not.
///
/// - Complexity: each replay O(S · R) for S steps and R tensors resident at once (the builder
///   frees by scanning the resident list); step 1 replays at most once per dropped tensor, steps
///   2–3 once per dropped tensor per pass.
struct SelectiveRecomputation {
    let graph: ComputeGraph
    let costs: LayerCosts
    let budget: Int
    let deadline: Deadline

    /// Tensors that may be dropped: written by a forward layer and read by a later non-forward
    /// layer (saved for the backward pass), not graph outputs.
    let candidates: [Bool]
    /// Tensors that are resident during the backward pass whatever the plan: inputs, parameters,
    /// tensors no forward layer writes.
    private let fixed: [Bool]

    /// The keep-everything plan's keep set, where the search starts.
    private let initialKeep: [Bool]
    /// The cheapest evaluation within the budget so far.
    private(set) var best: Evaluation?

    /// A keep set's schedule and what it measures.
    struct Evaluation {
        var keep: [Bool]
        var steps: [ResolvedStep]
        var peak: Int
        var peakStep: Int
        var cost: Double
    }

    enum Failure: Error {
        case deadlinePassed
        /// The keep-everything plan does not fit and nothing can be dropped.
        case nothingToDrop(peak: Int)
        /// A keep set's schedule could not be built or replayed (too many steps, say).
        case noSchedule(PlanError)
    }

    /// - Parameter everyForwardTensor: whether every forward tensor may be dropped or kept, not
    ///   only the saved activations: a kept tensor that no backward layer reads is then held as
    ///   the source of its descendants' recomputations (DenseNet's small features, kept so that
    ///   its large concatenations are rebuilt cheaply), and dropping one frees it after its last
    ///   forward reader.
    init(graph: ComputeGraph, costs: LayerCosts, budget: Int, deadline: Deadline, everyForwardTensor: Bool = false) {
        self.graph = graph
        self.costs = costs
        self.budget = budget
        self.deadline = deadline
        let nT = graph.tensors.count
        var isOutput = [Bool](repeating: false, count: nT)
        for t in graph.outputs { isOutput[t] = true }
        let recomputable = graph.recomputableTensors()
        var candidates = [Bool](repeating: false, count: nT)
        for t in 0..<nT where recomputable[t] && !isOutput[t] {
            candidates[t] = everyForwardTensor || graph.consumers[t].contains { graph.layers[$0].phase != .forward }
        }
        self.candidates = candidates
        fixed = recomputable.map { !$0 }
        // Forward tensors nobody reads after the forward pass are not kept: they are freed after
        // their last forward reader either way, and as kept sources they would be held for the
        // recomputations of their descendants.
        initialKeep = (0..<nT).map { candidates[$0] || !recomputable[$0] || isOutput[$0] }
    }

    /// Runs the three steps within the deadline and returns the cheapest fitting schedule.
    mutating func run() throws(Failure) -> Evaluation {
        let start = ContinuousClock.now
        var current = try evaluate(initialKeep)
        record(current)
        // 1. Drop at the peak until the plan fits.
        while current.peak > budget {
            let dropped = dropsAtPeak(of: current, covering: current.peak - budget)
            guard !dropped.isEmpty else { throw .nothingToDrop(peak: current.peak) }
            var next = current.keep
            for t in dropped { next[t] = false }
            current = try evaluate(next)
            record(current)
        }
        guard var incumbent = best else { throw .nothingToDrop(peak: current.peak) }
        // 2. Keep back what is no longer needed, costliest recomputation first.
        incumbent = try keepBack(from: incumbent)
        // 3. Swaps until a pass improves nothing, the deadline, or ten times what steps 1-2 took
        //    (at least a second): the other baselines run after this one.
        let firstSeconds = (ContinuousClock.now - start).seconds
        let swapDeadline = Deadline(secondsFromNow: max(1, 10 * firstSeconds))
        func stop() -> Bool { deadline.hasPassed || swapDeadline.hasPassed }
        var improved = true
        while improved, !stop() {
            improved = false
            let dropped = droppedByEstimatedCost(incumbent.keep)
            for t in dropped {
                if stop() { break }
                var next = incumbent.keep
                next[t] = true
                var trial: Evaluation
                do { trial = try evaluate(next) } catch { break }
                var rounds = 0
                while trial.peak > budget, rounds < 8 {
                    let more = dropsAtPeak(of: trial, covering: trial.peak - budget, excluding: t)
                    if more.isEmpty { break }
                    var k = trial.keep
                    for x in more { k[x] = false }
                    do { trial = try evaluate(k) } catch { break }
                    rounds += 1
                }
                if trial.peak <= budget, trial.cost < incumbent.cost - 1e-9 * max(1, abs(incumbent.cost)) {
                    record(trial)
                    incumbent = (try? keepBack(from: trial)) ?? trial
                    improved = true
                }
            }
        }
        return best ?? incumbent
    }

    // MARK: - Steps

    /// Keeps dropped tensors again, costliest estimated recomputation first, where the plan still
    /// fits and costs less.
    private mutating func keepBack(from start: Evaluation) throws(Failure) -> Evaluation {
        var incumbent = start
        for t in droppedByEstimatedCost(start.keep) {
            if deadline.hasPassed { break }
            var next = incumbent.keep
            next[t] = true
            let trial = try evaluate(next)
            if trial.peak <= budget, trial.cost <= incumbent.cost {
                incumbent = trial
                record(trial)
            }
        }
        return incumbent
    }

    /// Dropped candidates, costliest estimated recomputation first.
    private func droppedByEstimatedCost(_ keep: [Bool]) -> [TensorID] {
        let dropped = graph.tensors.indices.filter { candidates[$0] && !keep[$0] }
        return dropped.map { ($0, estimatedCost($0, keep: keep)) }.sorted { $0.1 > $1.1 }.map(\.0)
    }

    /// Kept candidates resident at the evaluation's peak step, cheapest estimated recomputation
    /// per byte first, as many as cover `excess` bytes.
    private func dropsAtPeak(of e: Evaluation, covering excess: Int, excluding excluded: TensorID? = nil) -> [TensorID] {
        let resident = residentSet(e.steps, through: e.peakStep)
        var busy = Set<TensorID>()
        if e.peakStep >= 0, case .compute(let l) = e.steps[e.peakStep] {
            busy.formUnion(graph.layerInputs[l])
            busy.formUnion(graph.layerOutputs[l])
        }
        var scored: [(TensorID, Double)] = []
        for t in graph.tensors.indices where resident[t] && candidates[t] && e.keep[t] && t != excluded && !busy.contains(t) {
            let bytes = graph.tensors[t].bytes
            guard bytes > 0 else { continue }
            scored.append((t, estimatedCost(t, keep: e.keep) / Double(bytes)))
        }
        scored.sort { $0.1 < $1.1 || ($0.1 == $1.1 && graph.tensors[$0.0].bytes > graph.tensors[$1.0].bytes) }
        var chosen: [TensorID] = []
        var covered = 0
        for (t, _) in scored where covered < excess {
            chosen.append(t)
            covered += graph.tensors[t].bytes
        }
        return chosen
    }

    /// The cost of the layers that recompute `t` from the nearest tensors resident in the
    /// backward pass (kept candidates and fixed tensors), each counted once.
    func estimatedCost(_ t: TensorID, keep: [Bool]) -> Double {
        guard let p = graph.producer[t] else { return 0 }
        var seen: Set<LayerID> = [p]
        var stack = [p]
        var cost = 0.0
        while let l = stack.popLast() {
            cost += costs.perLayer[l]
            for i in graph.layerInputs[l] where !fixed[i] && !(candidates[i] && keep[i]) {
                if let q = graph.producer[i], seen.insert(q).inserted { stack.append(q) }
            }
        }
        return cost
    }

    // MARK: - Replay

    private mutating func record(_ e: Evaluation) {
        guard e.peak <= budget else { return }
        if best.map({ e.cost < $0.cost }) ?? true { best = e }
    }

    /// Builds the keep set's schedule (``ScheduleBuilder``'s checkpoint policy) and measures it
    /// with ``PlanSimulator``.
    func evaluate(_ keep: [Bool]) throws(Failure) -> Evaluation {
        if deadline.hasPassed { throw .deadlinePassed }
        var builder = ScheduleBuilder(graph: graph, costs: costs, keep: keep)
        builder.deadline = deadline
        let steps: [ResolvedStep]
        do {
            steps = try builder.run()
        } catch {
            switch error {
            case .deadlinePassed: throw .deadlinePassed
            case .tooManySteps(let limit): throw .noSchedule(.scheduleTooLong(solver: "selective", steps: limit))
            case .cannotFit, .notRecomputable: throw .noSchedule(.invalidRequest("selective: the checkpoint policy found no schedule for a keep set (\(error))"))
            }
        }
        let replay: SimulationResult
        do { replay = try PlanSimulator.replay(steps, on: graph, costs: costs, budget: nil) } catch { throw .noSchedule(error) }
        return Evaluation(keep: keep, steps: steps, peak: replay.peakBytes, peakStep: replay.peakStep ?? -1, cost: replay.computeCost)
    }

    /// Which tensors are resident while step `index` runs (before the first step for -1).
    private func residentSet(_ steps: [ResolvedStep], through index: Int) -> [Bool] {
        var resident = graph.tensors.map { $0.kind == .input || $0.kind == .parameter }
        guard index >= 0 else { return resident }
        for step in steps[...index] {
            switch step {
            case .compute(let l): for o in graph.layerOutputs[l] { resident[o] = true }
            case .free(let t): resident[t] = false
            }
        }
        return resident
    }
}
