import Graph

/// A plan together with its replay by the simulator.
public struct PlannedSchedule: Sendable {
    public var plan: Plan
    public var simulation: SimulationResult

    public init(plan: Plan, simulation: SimulationResult) {
        self.plan = plan
        self.simulation = simulation
    }
}

/// The greedy baselines. Each returns a plan that the simulator has replayed.
public enum Baselines {
    /// Keep every activation until its last reader; no recomputation. Its peak is the
    /// keep-everything peak and its cost the least possible.
    public static func checkpointAll(_ graph: ComputeGraph, costs: LayerCosts) throws(PlanError) -> PlannedSchedule {
        try schedule(graph, costs: costs, keep: [Bool](repeating: true, count: graph.tensors.count), solver: "checkpoint-all", budget: nil)
    }

    /// Chen et al. 2016, "Training Deep Nets with Sublinear Memory Cost": checkpoint every
    /// ⌈√n⌉-th of the n candidate layers (the forward articulation points; all forward layers of a
    /// chain) and recompute each segment once during backward.
    public static func chenSqrtN(_ graph: ComputeGraph, costs: LayerCosts) throws(PlanError) -> PlannedSchedule {
        let candidates = checkpointCandidates(graph)
        let k = max(1, Int(Double(candidates.count).squareRoot().rounded(.up)))
        var keep = notRecomputable(graph)
        for (i, l) in candidates.enumerated() where (i + 1) % k == 0 {
            for t in graph.layerOutputs[l] { keep[t] = true }
        }
        return try schedule(graph, costs: costs, keep: keep, solver: "chen-sqrtn", budget: nil)
    }

    /// Chen et al. 2016's greedy segmentation: walking the forward layers in order, a candidate
    /// becomes a checkpoint once the activations since the last one exceed a threshold b. The
    /// threshold is swept over a geometric grid, as Checkmate does; the cheapest plan within the
    /// budget wins (without a budget, the one with the lowest peak).
    public static func chenGreedy(_ graph: ComputeGraph, costs: LayerCosts, budget: Int?, deadline: Deadline = .none) throws(PlanError) -> PlannedSchedule {
        let candidates = Set(checkpointCandidates(graph))
        let forward = graph.layers.indices.filter { graph.layers[$0].phase == .forward }
        let sizes = forward.map { l in graph.layerOutputs[l].reduce(0) { $0 + graph.tensors[$1].bytes } }
        let total = max(1, sizes.reduce(0, +))
        let smallest = max(1, sizes.filter { $0 > 0 }.min() ?? 1)
        var thresholds: [Int] = []
        var b = Double(smallest)
        while b < Double(total) * 2 { thresholds.append(Int(b)); b *= 1.25 }
        var best: PlannedSchedule?
        var seen = Set<[Bool]>()
        for threshold in thresholds {
            // At the deadline, the best so far (at least one threshold runs).
            if best != nil, deadline.hasPassed { break }
            var keep = notRecomputable(graph)
            var running = 0
            for (k, l) in forward.enumerated() {
                running += sizes[k]
                if candidates.contains(l), running > threshold {
                    for t in graph.layerOutputs[l] { keep[t] = true }
                    running = 0
                }
            }
            guard seen.insert(keep).inserted else { continue }
            let s = try schedule(graph, costs: costs, keep: keep, solver: "chen-greedy", budget: nil, deadline: deadline)
            if isBetter(s, than: best, budget: budget) { best = s }
        }
        if let best { return best }
        return try schedule(graph, costs: costs, keep: notRecomputable(graph), solver: "chen-greedy", budget: nil)
    }

    /// Dynamic tensor rematerialization (Kirisame et al. 2021): run the layers in order under the
    /// budget, evicting the resident forward tensor with the least cost / (bytes · staleness)
    /// when memory would exceed it, and recomputing evicted tensors on demand. Graph inputs are
    /// held while a recomputation may still need them.
    /// - Throws: ``PlanError/infeasibleBudget(budgetBytes:minimumBytes:solver:)`` when eviction
    ///   cannot make room.
    /// - Throws: ``PlanError/infeasibleBudget(budgetBytes:minimumBytes:solver:)`` with the
    ///   smallest budget DTR fits (found by bisection) when it cannot fit this one.
    public static func dtr(_ graph: ComputeGraph, costs: LayerCosts, budget: Int, deadline: Deadline = .none) throws(PlanError) -> PlannedSchedule {
        let keep = [Bool](repeating: true, count: graph.tensors.count)
        do {
            return try schedule(graph, costs: costs, keep: keep, solver: "dtr", budget: budget, deadline: deadline)
        } catch {
            switch error {
            case .infeasibleBudget, .scheduleTooLong: break
            default: throw error
            }
            // Bisect for the smallest budget DTR fits: a feasible plan's peak is an honest minimum.
            // With the keep-everything peak plus the inputs (which DTR holds) it never evicts.
            // At the deadline the smallest found so far is reported.
            let inputs = graph.tensors.filter { $0.kind == .input }.reduce(0) { $0 + $1.bytes }
            let ceiling = try schedule(graph, costs: costs, keep: keep, solver: "dtr", budget: nil).simulation.peakBytes + inputs
            var hi = try schedule(graph, costs: costs, keep: keep, solver: "dtr", budget: ceiling).simulation.peakBytes
            var lo = budget
            for _ in 0..<40 where hi - lo > 1 && !deadline.hasPassed {
                let mid = lo + (hi - lo) / 2
                do {
                    let s = try schedule(graph, costs: costs, keep: keep, solver: "dtr", budget: mid, deadline: deadline)
                    hi = min(mid, s.simulation.peakBytes)
                } catch {
                    if case .deadlinePassed = error { break }
                    lo = mid
                }
            }
            throw .infeasibleBudget(budgetBytes: budget, minimumBytes: hi, solver: "dtr")
        }
    }

    /// Greedy rematerialization over tensor lifetimes in stage form (``LifetimeSplitting``): from
    /// the keep-everything plan, split the lifetime that most reduces the excess over the budget
    /// per unit of recompute cost, until every stage fits. For general DAGs and tight budgets.
    ///
    /// The plain greedy first; then randomized restarts, each with per-tensor factors on the split
    /// score drawn from [0.6, 1.4] (seeded by the restart's number, so runs repeat): while none
    /// fits, up to `restarts` of them within 40 times the plain run's time and a third of the
    /// time to the deadline (a greedy stuck a few
    /// bytes over the budget often fits after a few: the 100-node random DAG at 80% of its peak,
    /// docs/benchmarks.md), and once one fits, up to a quarter of them within eight times the
    /// first fitting run's time, for a cheaper plan. The cheapest plan that fits is returned; all
    /// stop at the deadline.
    /// - Throws: ``PlanError/infeasibleBudget(budgetBytes:minimumBytes:solver:)`` when no run
    ///   fits (the minimum named is the keep-everything peak, a budget known to be feasible);
    ///   ``PlanError/deadlinePassed(solver:)`` when the deadline comes before the plain run ends.
    public static func lifetimeSplitting(_ graph: ComputeGraph, costs: LayerCosts, budget: Int,
                                         deadline: Deadline = .none, restarts: Int = 24) throws(PlanError) -> PlannedSchedule {
        let start = ContinuousClock.now
        // Restarts while stuck take at most a third of the time to the deadline.
        let stuckSeconds = deadline.secondsLeft.map { $0 / 3 } ?? .infinity
        var best: PlannedSchedule?
        var firstFit: Double?
        var plainRun: Double?
        for run in 0...max(0, restarts) {
            let elapsed = (ContinuousClock.now - start).seconds
            if let first = firstFit, run > max(1, restarts / 4) || elapsed > 8 * first { break }
            if let plain = plainRun, best == nil, elapsed > min(40 * plain, stuckSeconds) { break }
            var splitting = LifetimeSplitting(graph: graph, costs: costs, budget: budget)
            if run > 0 {
                var random = SplitMix64(seed: UInt64(run))
                splitting.weights = graph.tensors.indices.map { _ in Double.random(in: 0.6...1.4, using: &random) }
            }
            do {
                defer { if plainRun == nil { plainRun = max((ContinuousClock.now - start).seconds, 1e-4) } }
                try splitting.run(deadline: deadline)
            } catch {
                guard case .deadlinePassed = error else { continue }
                if let best { return best }
                // Stopped in a restart after the greedy got stuck: no plan, as when stuck.
                if run > 0 { break }
                throw .deadlinePassed(solver: "lifetime-split")
            }
            let plan = try replayed(splitting.steps(), on: graph, costs: costs, solver: run == 0 ? "lifetime-split" : "lifetime-split (restart \(run))", budget: budget)
            if best.map({ plan.simulation.computeCost < $0.simulation.computeCost }) ?? true { best = plan }
            if firstFit == nil { firstFit = (ContinuousClock.now - start).seconds }
            if deadline.hasPassed { break }
        }
        guard let best else {
            throw .infeasibleBudget(budgetBytes: budget, minimumBytes: graph.keepEverythingProfile().peakBytes, solver: "lifetime-split")
        }
        return best
    }

    /// Selective recomputation (``SelectiveRecomputation``): from the keep-everything plan, drop
    /// the saved activations with the least recompute cost per byte among those resident at the
    /// peak until the plan fits, keep back what is no longer needed, then swap while that lowers
    /// the cost; once over the saved activations, once over every forward tensor (graphs with
    /// backward layers), the cheaper plan returned. Each dropped tensor is recomputed just before
    /// the layers that read it again.
    /// - Throws: ``PlanError/infeasibleBudget(budgetBytes:minimumBytes:solver:)`` when neither run
    ///   fits (with the smallest peak they reached);
    ///   ``PlanError/deadlinePassed(solver:)`` when the deadline comes before a plan fits.
    public static func selective(_ graph: ComputeGraph, costs: LayerCosts, budget: Int, deadline: Deadline = .none) throws(PlanError) -> PlannedSchedule {
        // Saved activations only, then every forward tensor (which also fits where rebuilding a
        // saved activation needs small intermediates kept): the cheaper plan.
        var result: SelectiveRecomputation.Evaluation?
        var smallest = Int.max
        var outOfTime = false
        // Without backward layers nothing is ever recomputed by this policy: one run, the
        // keep-everything plan.
        let hasBackward = graph.layers.contains { $0.phase != .forward }
        for everyForwardTensor in hasBackward ? [false, true] : [false] {
            if result != nil, deadline.hasPassed { break }
            var search = SelectiveRecomputation(graph: graph, costs: costs, budget: budget, deadline: deadline, everyForwardTensor: everyForwardTensor)
            var found: SelectiveRecomputation.Evaluation?
            do {
                found = try search.run()
            } catch {
                switch error {
                case .deadlinePassed:
                    found = search.best
                    outOfTime = outOfTime || found == nil
                case .nothingToDrop(let peak):
                    smallest = min(smallest, peak)
                case .noSchedule(let planError):
                    throw planError
                }
            }
            if let found, result.map({ found.cost < $0.cost }) ?? true { result = found }
        }
        guard let result else {
            if smallest == Int.max || outOfTime { throw .deadlinePassed(solver: "selective") }
            throw .infeasibleBudget(budgetBytes: budget, minimumBytes: smallest, solver: "selective")
        }
        return try replayed(result.steps, on: graph, costs: costs, solver: "selective", budget: budget)
    }

    /// Griewank and Walther's revolve on a chain: binomial checkpointing with as many snapshots as
    /// the budget allows (the fewest snapshots cost the most recomputation; the cheapest plan that
    /// fits the budget wins; without a budget, the one with the lowest peak).
    /// - Throws: ``PlanError/invalidRequest(_:)`` when the graph is not a chain
    ///   (``ChainDynamicProgram`` says which graphs are).
    public static func revolve(_ graph: ComputeGraph, costs: LayerCosts, budget: Int?) throws(PlanError) -> PlannedSchedule {
        guard let chain = ChainDynamicProgram(graph: graph, costs: costs) else {
            throw .invalidRequest("revolve applies to chains (forward layers in a line, each backward layer reading one activation and the next gradient); '\(graph.name)' is not one")
        }
        var best: PlannedSchedule?
        for snapshots in 0...chain.n {
            guard let plan = chain.revolve(snapshots: snapshots),
                  let simulation = try? PlanSimulator.replay(plan, on: graph, costs: costs) else { continue }
            let s = PlannedSchedule(plan: plan, simulation: simulation)
            if isBetter(s, than: best, budget: budget) { best = s }
        }
        guard let best else { throw .invalidRequest("revolve found no schedule for '\(graph.name)'") }
        return best
    }

    /// The chain dynamic program (``ChainDynamicProgram``) with the real sizes and costs: the
    /// optimum on chains whose activations have one size, a valid schedule on every chain.
    /// - Throws: ``PlanError/invalidRequest(_:)`` when the graph is not a chain;
    ///   ``PlanError/infeasibleBudget(budgetBytes:minimumBytes:solver:)`` with the smallest budget
    ///   the recursion fits (found by bisection: feasibility grows with the budget).
    public static func chainDP(_ graph: ComputeGraph, costs: LayerCosts, budget: Int) throws(PlanError) -> PlannedSchedule {
        guard let chain = ChainDynamicProgram(graph: graph, costs: costs) else {
            throw .invalidRequest("chain-dp applies to chains (forward layers in a line, each backward layer reading one activation and the next gradient); '\(graph.name)' is not one")
        }
        guard let plan = chain.optimalPlan(budget: budget) else {
            var lo = budget, hi = graph.tensors.reduce(0) { $0 + $1.bytes }
            while hi - lo > 1 {
                let mid = lo + (hi - lo) / 2
                if chain.optimalCost(budget: mid) == nil { lo = mid } else { hi = mid }
            }
            throw .infeasibleBudget(budgetBytes: budget, minimumBytes: hi, solver: "chain-dp")
        }
        return PlannedSchedule(plan: plan, simulation: try PlanSimulator.replay(plan, on: graph, costs: costs, budget: budget))
    }

    // MARK: - Shared pieces

    /// The layers at which the segment strategies may checkpoint.
    static func checkpointCandidates(_ graph: ComputeGraph) -> [LayerID] {
        let points = graph.forwardArticulationPoints()
        if !points.isEmpty { return points }
        return graph.layers.indices.filter { graph.layers[$0].phase == .forward }
    }

    /// Tensors that must be kept because nothing can recompute them (not written by a forward layer).
    static func notRecomputable(_ graph: ComputeGraph) -> [Bool] {
        graph.recomputableTensors().map { !$0 }
    }

    static func isBetter(_ s: PlannedSchedule, than best: PlannedSchedule?, budget: Int?) -> Bool {
        guard let best else { return true }
        if let budget {
            let fits = s.simulation.peakBytes <= budget, bestFits = best.simulation.peakBytes <= budget
            if fits != bestFits { return fits }
            if fits { return (s.simulation.computeCost, s.simulation.peakBytes) < (best.simulation.computeCost, best.simulation.peakBytes) }
        }
        return (s.simulation.peakBytes, s.simulation.computeCost) < (best.simulation.peakBytes, best.simulation.computeCost)
    }

    static func schedule(_ graph: ComputeGraph, costs: LayerCosts, keep: [Bool], solver: String, budget: Int?,
                         eviction: ScheduleBuilder.EvictionPolicy = .dtr, scoreWeights: [Double]? = nil,
                         deadline: Deadline = .none) throws(PlanError) -> PlannedSchedule {
        var builder = ScheduleBuilder(graph: graph, costs: costs, keep: keep, budget: budget)
        builder.eviction = eviction
        builder.scoreWeights = scoreWeights
        builder.deadline = deadline
        let steps: [ResolvedStep]
        do {
            steps = try builder.run()
        } catch {
            switch error {
            case .cannotFit(let needed):
                throw .infeasibleBudget(budgetBytes: budget ?? 0, minimumBytes: needed, solver: solver)
            case .notRecomputable(let t):
                throw .invalidRequest("\(solver): tensor '\(graph.tensors[t].name)' is needed again but no forward layer can recompute it")
            case .deadlinePassed:
                throw .deadlinePassed(solver: solver)
            case .tooManySteps(let limit):
                // A schedule that long cascades recomputation: as useless as one that does not fit.
                throw .scheduleTooLong(solver: solver, steps: limit)
            }
        }
        return try replayed(steps, on: graph, costs: costs, solver: solver, budget: budget)
    }

    /// A baseline's steps as a plan labelled `solver`, with the simulator's replay.
    static func replayed(_ steps: [ResolvedStep], on graph: ComputeGraph, costs: LayerCosts, solver: String,
                         budget: Int?) throws(PlanError) -> PlannedSchedule {
        let simulation = try PlanSimulator.replay(steps, on: graph, costs: costs, budget: nil)
        let plan = Plan(graph: graph.name, solver: solver, budgetBytes: budget, steps: steps.map { $0.named(in: graph) })
        return PlannedSchedule(plan: plan, simulation: simulation)
    }
}
