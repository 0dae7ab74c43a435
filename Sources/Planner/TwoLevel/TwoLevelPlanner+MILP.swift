import Graph

extension TwoLevelPlanner {
    /// Solves ``TwoLevelMILP`` from the baselines' residency choices and returns the faster of its
    /// plan and the best baseline's, replayed by ``TimingSimulator`` within `memory`.
    ///
    /// The summary's objective is the replayed total time; its lower bound is the program's proven
    /// bound, which holds for plans of the program's stage form (see ``TwoLevelMILP``), and its
    /// status says whether the program was solved to optimality. Called by
    /// ``plan(_:costs:memory:solver:options:)`` once fast memory is at least the minimum; the
    /// baselines' replays reject costs that are not in seconds.
    static func optimal(_ graph: ComputeGraph, costs: LayerCosts, memory: DeviceMemory, options: ILPOptions) throws(PlanError) -> TimedPlan {
        let start = ContinuousClock.now
        let name = TwoLevelSolver.milp.rawValue
        // The baselines: fallback, and their residency choices as starting points.
        var baseline: TimedPlan?
        var residencies: [Set<TensorID>] = [[]]
        var smallest = Int.max
        // The full program while it stays small enough to move in a solve; beyond, the program
        // without reruns (residency and transfers on the checkpoint-all order).
        let recompute = TwoLevelMILP.estimatedSize(graph: graph, allowsRecomputation: true) <= options.twoLevelRecomputationLimit
        // The baselines share a tenth of the limit; the one-level checkpointing MILP gets 60%, or
        // 70% when the program cannot rerun layers and that MILP is where recomputation comes
        // from: the program must never lose to recomputation alone either, and that MILP needs its
        // time (ResNet-18 on the H100 at 402 MiB: 7.06 ms with 12 s of 30, 7.00 ms with all 30 s;
        // VGG-16 + Adam at 4 GiB: 49.1 ms in 6-15 s, 49.0 ms in 20 s). It stops once it proves its
        // plan optimal, which leaves the rest to the program on the graphs it can solve.
        var each = options
        each.timeLimit = options.timeLimit.map { $0 * 0.1 / Double(TwoLevelSolver.baselines.count) }
        var checkpointOptions = options
        checkpointOptions.timeLimit = options.timeLimit.map { $0 * (recompute ? 0.6 : 0.7) }
        checkpointOptions.progress = nil
        checkpointOptions.phaseProgress = nil
        // `nil`: the checkpointing MILP's plan, everything resident.
        for s in TwoLevelSolver.baselines.map(Optional.some) + [nil] {
            do {
                let r: TimedPlan
                if let s { r = try plan(graph, costs: costs, memory: memory, solver: s, options: each) }
                else { r = try checkpointResident(graph, costs: costs, memory: memory, checkpointSolver: .ilp, options: checkpointOptions) }
                if baseline == nil || r.timing.totalTime < baseline!.timing.totalTime { baseline = r }
                residencies.append(Set((r.plan.resident ?? []).compactMap { graph.tensorID(named: $0) }))
            } catch {
                if case .infeasibleBudget(_, let m, _) = error { smallest = min(smallest, m) }
                else if !error.isOutOfTime { throw error }
            }
        }
        func finish(_ chosen: TimedPlan, label: String, status: String, bound: Double?) -> TimedPlan {
            var result = chosen
            result.plan.solver = label
            result.plan.budgetBytes = memory.fastBytes
            let total = result.timing.totalTime
            // Every plan runs every layer once: that bounds every plan, of any form.
            let lower = min(max(bound ?? costs.onceEach, costs.onceEach), total)
            let status = total <= costs.onceEach * (1 + 1e-12) ? "optimal" : status
            result.plan.summary = PlanSummary(peakBytes: result.timing.peakFastBytes, computeCost: result.timing.computeTime,
                                              recomputeCost: result.timing.recomputeTime, objective: total, lowerBound: lower,
                                              gap: (total - lower) / max(total, 1e-300), status: status,
                                              solveSeconds: (ContinuousClock.now - start).seconds)
            return result
        }
        let size = TwoLevelMILP.estimatedSize(graph: graph, allowsRecomputation: recompute)
        if size > options.maximumVariables {
            guard let baseline else { throw .infeasibleBudget(budgetBytes: memory.fastBytes, minimumBytes: smallest, solver: name) }
            return finish(baseline, label: "\(name) declined (\(size) variables > \(options.maximumVariables)); \(baseline.plan.solver)",
                          status: "heuristic", bound: nil)
        }
        let milp = TwoLevelMILP(graph: graph, costs: costs, memory: memory, allowsRecomputation: recompute)
        var incumbent: (values: [Double], objective: Double)?
        for r in residencies {
            for overlapped in [true, false] {
            guard let values = milp.assignment(residentParameters: r, overlapped: overlapped) else { continue }
            let objective = milp.model.objective.value(at: values)
            if incumbent == nil || objective < incumbent!.objective { incumbent = (values, objective) }
            }
        }
        let remaining = options.timeLimit.map { max(0.1, $0 - (ContinuousClock.now - start).seconds) }
        let solution: MILPSolution
        do {
            solution = try options.solver.solve(milp.model, options: SolverOptions(
                timeLimit: remaining, relativeGap: options.relativeGap, incumbent: incumbent?.values,
                progress: options.scaledProgress(milp.seconds(fromObjective: 1))))
        } catch {
            throw .invalidRequest("MILP solver \(options.solver.name) failed: \(error)")
        }
        let bound = solution.bound.map { milp.seconds(fromObjective: $0) }
        switch solution.status {
        case .optimal, .feasible:
            let status = solution.status == .optimal ? "optimal" : "feasible"
            let plan = milp.plan(from: solution.values, solver: name)
            var own: TimedPlan?
            do {
                own = TimedPlan(plan: plan, timing: try TimingSimulator.replay(plan, on: graph, costs: costs, memory: memory))
            } catch {
                // The stage form bounds every event; a replay that disagrees is a defect to report.
                guard let baseline else { throw .invalidRequest("\(name): the program's plan does not replay (\(error)); please report it") }
                return finish(baseline, label: "\(name) (its plan did not replay: \(error); \(baseline.plan.solver))",
                              status: "heuristic", bound: nil)
            }
            if let baseline, let own, baseline.timing.totalTime < own.timing.totalTime {
                return finish(baseline, label: "\(name) (incumbent: \(baseline.plan.solver))", status: status, bound: bound)
            }
            return finish(own!, label: recompute ? name : "\(name) (no recomputation: graph too large)", status: status, bound: bound)
        case .infeasible:
            // The stage form is stricter than the baselines' step placement; a baseline may still fit.
            guard let baseline else { throw .infeasibleBudget(budgetBytes: memory.fastBytes, minimumBytes: smallest == .max ? minimumFastBytes(graph) : smallest, solver: name) }
            return finish(baseline, label: "\(name) (program infeasible; \(baseline.plan.solver))", status: "heuristic", bound: nil)
        case .unbounded:
            throw .invalidRequest("the two-level MILP is unbounded, which cannot happen for a valid graph; please report it")
        case .noSolutionFound:
            guard let baseline else {
                throw .invalidRequest("\(name): no plan found within the time limit and no baseline fits \(Units.bytes(memory.fastBytes)); raise --time-limit or the fast memory")
            }
            return finish(baseline, label: "\(name) (incumbent: \(baseline.plan.solver))", status: "feasible", bound: bound)
        }
    }
}
