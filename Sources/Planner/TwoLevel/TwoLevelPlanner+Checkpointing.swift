import Graph

/// Two-level plans built on one-level schedules: the streaming policies applied to any schedule,
/// and the compositions of checkpointing (recomputation) with residency and streaming.
extension TwoLevelPlanner {
    /// The two-level plan of `schedule` under `policy`, replayed without capacities, and whether
    /// it fits `memory`.
    static func attempt(_ graph: ComputeGraph, costs: LayerCosts, memory: DeviceMemory, schedule: [PlanStep],
                        policy: StreamingBaselines.Policy, solver: String) throws(PlanError) -> (TimedPlan, fits: Bool) {
        var unbounded = memory
        unbounded.fastBytes = Int.max
        unbounded.slowBytes = Int.max
        let plan = StreamingBaselines.plan(graph, schedule: schedule, policy: policy, solver: solver)
        let timing = try TimingSimulator.replay(plan, on: graph, costs: costs, memory: unbounded)
        let fits = timing.peakFastBytes <= memory.fastBytes && timing.peakSlowBytes <= memory.slowBytes
        return (TimedPlan(plan: plan, timing: timing), fits)
    }

    /// Greedy residency on `schedule`: every parameter streamed double-buffered, then parameters
    /// made resident in order of reuse (most layers reading them first, smaller first among
    /// equals), each kept while the plan fits and is no slower. The result, and whether even the
    /// all-streamed start fits.
    /// - Complexity: one replay per parameter.
    static func greedyResidency(_ graph: ComputeGraph, costs: LayerCosts, memory: DeviceMemory, schedule: [PlanStep],
                                offloadGap: Int?, solver: String) throws(PlanError) -> (TimedPlan, fits: Bool) {
        var (best, fits) = try attempt(graph, costs: costs, memory: memory, schedule: schedule, policy: .init(offloadGap: offloadGap), solver: solver)
        guard fits else { return (best, false) }
        let parameters = graph.tensors.indices.filter { graph.tensors[$0].kind == .parameter }
        var resident: Set<TensorID> = []
        var uses = [Int](repeating: 0, count: graph.tensors.count)
        for l in graph.layers.indices { for t in graph.layerInputs[l] { uses[t] += 1 } }
        let order = parameters.sorted { (uses[$0], -graph.tensors[$0].bytes, -$0) > (uses[$1], -graph.tensors[$1].bytes, -$1) }
        for p in order {
            var trial = resident
            trial.insert(p)
            let (r, ok) = try attempt(graph, costs: costs, memory: memory, schedule: schedule,
                                      policy: .init(resident: trial, offloadGap: offloadGap), solver: solver)
            if ok && r.timing.totalTime <= best.timing.totalTime {
                resident = trial
                best = r
            }
        }
        return (best, true)
    }

    /// The one-level checkpointing plan of `checkpointSolver` within fast memory, every parameter
    /// resident: recomputation alone. With everything resident nothing is transferred, so its
    /// time is its compute cost, recomputation included.
    /// - Throws: ``PlanError/infeasibleBudget(budgetBytes:minimumBytes:solver:)`` with the
    ///   checkpointing planner's smallest feasible budget when none fits.
    static func checkpointResident(_ graph: ComputeGraph, costs: LayerCosts, memory: DeviceMemory,
                                   checkpointSolver: CheckpointSolver, options: ILPOptions) throws(PlanError) -> TimedPlan {
        let name = TwoLevelSolver.checkpointResident.rawValue
        let one: PlannedSchedule
        do {
            one = try CheckpointPlanner.plan(graph, costs: costs, budget: memory.fastBytes, solver: checkpointSolver, options: options)
        } catch {
            guard case .infeasibleBudget(_, let minimum, _) = error else { throw error }
            throw .infeasibleBudget(budgetBytes: memory.fastBytes, minimumBytes: minimum, solver: name)
        }
        let parameters = Set(graph.tensors.indices.filter { graph.tensors[$0].kind == .parameter })
        let (r, fits) = try attempt(graph, costs: costs, memory: memory, schedule: one.plan.steps,
                                    policy: .init(resident: parameters), solver: "\(name) (\(one.plan.solver))")
        guard fits else { throw .infeasibleBudget(budgetBytes: memory.fastBytes, minimumBytes: r.timing.peakFastBytes, solver: name) }
        return r
    }

    /// The shares of the parameter bytes by which ``checkpointStreaming(_:costs:memory:options:)``
    /// raises the checkpointing budget over fast memory: what streaming may free for activations.
    static let streamingBudgetShares: [Double] = [0.25, 0.5, 0.75, 1]

    /// Recomputation and streaming composed: for each budget of fast memory plus a share of the
    /// parameter bytes (``streamingBudgetShares``), at most the keep-everything peak, the best
    /// checkpointing baseline's schedule with greedy residency and the other parameters streamed
    /// double-buffered; the fastest that fits. Each checkpointing run gets an equal share of the
    /// time limit.
    /// - Throws: ``PlanError/infeasibleBudget(budgetBytes:minimumBytes:solver:)`` when none fits,
    ///   with the smallest fast peak seen.
    static func checkpointStreaming(_ graph: ComputeGraph, costs: LayerCosts, memory: DeviceMemory,
                                    options: ILPOptions) throws(PlanError) -> TimedPlan {
        let name = TwoLevelSolver.checkpointStreaming.rawValue
        let parameterBytes = graph.tensors.reduce(0) { $0 + ($1.kind == .parameter ? $1.bytes : 0) }
        let keepEverything = try Baselines.checkpointAll(graph, costs: costs).simulation.peakBytes
        // Above the keep-everything peak a checkpointing plan recomputes nothing: the budget is
        // capped there (that schedule is checkpoint-all's, as for greedy residency).
        let budgets = Set(Self.streamingBudgetShares.map { share in
            let (raised, overflow) = memory.fastBytes.addingReportingOverflow(Int((Double(parameterBytes) * share).rounded(.down)))
            return overflow ? keepEverything : min(raised, keepEverything)
        }).sorted()
        var best: TimedPlan?
        var smallest = Int.max
        let start = ContinuousClock.now
        for (k, budget) in budgets.enumerated() {
            var each = options
            // What is left of the limit, shared among the budgets still to try.
            each.deadline = Deadline(secondsFromNow: options.timeLimit.map { max(0.01, ($0 - (ContinuousClock.now - start).seconds) / Double(budgets.count - k)) })
            guard let one = try? CheckpointPlanner.plan(graph, costs: costs, budget: budget, solver: .bestBaseline, options: each) else { continue }
            let label = "\(name) (\(one.plan.solver) at \(Units.bytes(budget)), greedy residency)"
            let (r, fits) = try greedyResidency(graph, costs: costs, memory: memory, schedule: one.plan.steps, offloadGap: nil, solver: label)
            guard fits else {
                smallest = min(smallest, r.timing.peakFastBytes)
                continue
            }
            if best == nil || r.timing.totalTime < best!.timing.totalTime { best = r }
        }
        guard let best else {
            throw .infeasibleBudget(budgetBytes: memory.fastBytes, minimumBytes: smallest == .max ? keepEverything : smallest, solver: name)
        }
        return best
    }
}
