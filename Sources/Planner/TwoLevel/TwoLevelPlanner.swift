import Graph

/// The two-level solvers by name.
public enum TwoLevelSolver: String, Sendable, CaseIterable {
    /// Every parameter resident in fast memory; fails when they do not fit with the activations.
    case resident = "resident"
    /// Every parameter streamed with a single buffer: loaded when its layer is next, after the
    /// previous layer's parameters have been released.
    case streamSingle = "stream-single"
    /// Every parameter streamed, double-buffered: layer i+1's parameters load while layer i runs.
    case streamDouble = "stream-double"
    /// Parameters made resident greedily by reuse per byte (most uses first, smaller first among
    /// equals) while the plan still fits; the rest streamed double-buffered.
    case greedyResidency = "greedy-residency"
    /// Greedy residency, and every activation or gradient idle for two or more layers offloaded
    /// and prefetched back.
    case offloadActivations = "offload-activations"
    /// The one-level checkpointing plan within fast memory (the best checkpointing baseline),
    /// everything resident: recomputation alone, no transfers.
    case checkpointResident = "checkpoint-resident"
    /// Checkpointing plans at budgets above fast memory by shares of the parameter bytes, each
    /// with greedy residency and the other parameters streamed double-buffered: recomputation
    /// and streaming composed. The fastest that fits.
    case checkpointStreaming = "checkpoint-streaming"
    /// The fastest of the above that fits.
    case bestTwoLevel = "best-two-level"
    /// The joint program (``TwoLevelMILP``): recomputation, residency, prefetching and offloading
    /// decided together, minimizing total time; starts from the baselines and never returns a
    /// slower plan than the best of them.
    case milp = "two-level-milp"

    /// The individual baselines.
    public static let baselines: [TwoLevelSolver] = [.resident, .streamSingle, .streamDouble, .greedyResidency, .offloadActivations,
                                                      .checkpointResident, .checkpointStreaming]
}

/// A two-level plan with its timed replay.
public struct TimedPlan: Sendable {
    public var plan: Plan
    public var timing: TimingResult
}

/// Plans parameter residency, prefetching and activation offloading on a device with fast and
/// slow memory: on top of the checkpoint-all schedule (the streaming baselines), of one-level
/// checkpointing plans (recomputation composed with residency and streaming), or jointly (the
/// MILP).
public enum TwoLevelPlanner {
    /// The least fast memory any plan needs: the graph inputs at the start, and for every layer
    /// its inputs and outputs together while it runs.
    public static func minimumFastBytes(_ graph: ComputeGraph) -> Int {
        let inputs = graph.tensors.filter { $0.kind == .input }.reduce(0) { $0 + $1.bytes }
        let layers = graph.layers.indices.map { l in
            Set(graph.layerInputs[l] + graph.layerOutputs[l]).reduce(0) { $0 + graph.tensors[$1].bytes }
        }
        return max(inputs, layers.max() ?? 0)
    }

    /// A lower bound on the total time of every two-level plan within `memory`, of any form:
    ///
    /// - every layer runs at least once, one at a time: the time of running each layer once;
    /// - every parameter that some layer reads and that is not resident starts in slow memory only,
    ///   so it is loaded at least once, and its reader starts after the load: the loads take at
    ///   least `(P − R) / bandwidth` on the load engine before the last of them is read, where `P`
    ///   is the bytes of the parameters read and `R` the most that can be resident: while any layer
    ///   `l` runs, the resident parameters share fast memory with `l`'s other inputs and outputs,
    ///   and the graph inputs share it at the start, so `R ≤ C − max(a_l, inputs)` with `a_l` the
    ///   bytes of `l`'s operands that are not parameters.
    ///
    /// The larger of the two. It ignores activation memory beyond each layer's own operands, so
    /// where activations force recomputation or offloading the bound is the compute time.
    /// - Complexity: O(L + Σ operands).
    public static func lowerBound(_ graph: ComputeGraph, costs: LayerCosts, memory: DeviceMemory) -> Double {
        max(costs.onceEach, memory.transferSeconds(minimumParameterLoads(graph, memory: memory)))
    }

    /// Plans with one solver; the result has been replayed by ``TimingSimulator`` within `memory`.
    /// - Throws: ``PlanError/infeasibleBudget(budgetBytes:minimumBytes:solver:)`` when fast memory
    ///   is below ``minimumFastBytes(_:)`` (no plan can exist) or the solver's plan does not fit
    ///   (with the smallest fast peak it reaches).
    public static func plan(_ graph: ComputeGraph, costs: LayerCosts, memory: DeviceMemory, solver: TwoLevelSolver,
                            options: ILPOptions = ILPOptions()) throws(PlanError) -> TimedPlan {
        let start = ContinuousClock.now
        let minimum = minimumFastBytes(graph)
        if memory.fastBytes < minimum {
            throw .infeasibleBudget(budgetBytes: memory.fastBytes, minimumBytes: minimum, solver: solver.rawValue)
        }
        if solver == .milp { return try optimal(graph, costs: costs, memory: memory, options: options) }
        let schedule = try Baselines.checkpointAll(graph, costs: costs).plan.steps
        let parameters = graph.tensors.indices.filter { graph.tensors[$0].kind == .parameter }
        func attempt(_ policy: StreamingBaselines.Policy) throws(PlanError) -> (TimedPlan, fits: Bool) {
            try Self.attempt(graph, costs: costs, memory: memory, schedule: schedule, policy: policy, solver: solver.rawValue)
        }
        var result: TimedPlan
        switch solver {
        case .resident:
            let (r, fits) = try attempt(.init(resident: Set(parameters)))
            guard fits else { throw .infeasibleBudget(budgetBytes: memory.fastBytes, minimumBytes: r.timing.peakFastBytes, solver: solver.rawValue) }
            result = r
        case .streamSingle, .streamDouble:
            let (r, fits) = try attempt(.init(prefetch: solver == .streamDouble))
            guard fits else { throw .infeasibleBudget(budgetBytes: memory.fastBytes, minimumBytes: r.timing.peakFastBytes, solver: solver.rawValue) }
            result = r
        case .greedyResidency, .offloadActivations:
            let (best, fits) = try greedyResidency(graph, costs: costs, memory: memory, schedule: schedule,
                                                   offloadGap: solver == .offloadActivations ? 2 : nil, solver: solver.rawValue)
            guard fits else { throw .infeasibleBudget(budgetBytes: memory.fastBytes, minimumBytes: best.timing.peakFastBytes, solver: solver.rawValue) }
            result = best
        case .checkpointResident:
            result = try checkpointResident(graph, costs: costs, memory: memory, checkpointSolver: .bestBaseline, options: options)
        case .checkpointStreaming:
            result = try checkpointStreaming(graph, costs: costs, memory: memory, options: options)
        case .milp:
            preconditionFailure("handled above")
        case .bestTwoLevel:
            var best: TimedPlan?
            var smallest = Int.max
            // The two checkpointing baselines share the time limit; the others have no search.
            var each = options
            each.timeLimit = options.timeLimit.map { $0 / 2 }
            for s in TwoLevelSolver.baselines {
                do {
                    let r = try plan(graph, costs: costs, memory: memory, solver: s, options: each)
                    if best == nil || r.timing.totalTime < best!.timing.totalTime { best = r }
                } catch {
                    if case .infeasibleBudget(_, let m, _) = error { smallest = min(smallest, m) }
                    else if !error.isOutOfTime { throw error }  // a checkpointing run out of time: the next
                }
            }
            guard var chosen = best else { throw .infeasibleBudget(budgetBytes: memory.fastBytes, minimumBytes: smallest, solver: solver.rawValue) }
            chosen.plan.solver = "best-two-level (\(chosen.plan.solver))"
            return chosen
        }
        // The authoritative replay, within the real capacities.
        result.timing = try TimingSimulator.replay(result.plan, on: graph, costs: costs, memory: memory)
        result.plan.budgetBytes = memory.fastBytes
        let seconds = (ContinuousClock.now - start).seconds
        result.plan.summary = PlanSummary(peakBytes: result.timing.peakFastBytes, computeCost: result.timing.computeTime,
                                          recomputeCost: result.timing.recomputeTime, objective: result.timing.totalTime,
                                          status: "heuristic", solveSeconds: seconds)
        return result
    }
}
