import Graph

/// The checkpointing solvers by name, and the one entry point that runs them.
public enum CheckpointSolver: String, Sendable, CaseIterable {
    case checkpointAll = "checkpoint-all"
    case chenSqrtN = "chen-sqrtn"
    case chenGreedy = "chen-greedy"
    case dtr = "dtr"
    /// The cheapest plan within the budget among all the baselines above.
    case bestBaseline = "best-baseline"

    /// The individual baselines.
    public static let baselines: [CheckpointSolver] = [.checkpointAll, .chenSqrtN, .chenGreedy, .dtr]
}

/// Chooses which activations to keep and which to recompute within a memory budget.
public enum CheckpointPlanner {
    /// Plans with one solver. The result has been replayed by ``PlanSimulator`` and fits the budget.
    ///
    /// - Throws: ``PlanError/infeasibleBudget(budgetBytes:minimumBytes:solver:)`` when the
    ///   solver's plan does not fit, with the smallest peak it can reach.
    public static func plan(_ graph: ComputeGraph, costs: LayerCosts, budget: Int, solver: CheckpointSolver) throws(PlanError) -> PlannedSchedule {
        let start = ContinuousClock.now
        var result: PlannedSchedule
        switch solver {
        case .checkpointAll: result = try Baselines.checkpointAll(graph, costs: costs)
        case .chenSqrtN: result = try Baselines.chenSqrtN(graph, costs: costs)
        case .chenGreedy: result = try Baselines.chenGreedy(graph, costs: costs, budget: budget)
        case .dtr: result = try Baselines.dtr(graph, costs: costs, budget: budget)
        case .bestBaseline:
            var best: PlannedSchedule?
            var smallest = Int.max
            for s in CheckpointSolver.baselines {
                do {
                    let r = try plan(graph, costs: costs, budget: budget, solver: s)
                    if best == nil || r.simulation.computeCost < best!.simulation.computeCost { best = r }
                } catch {
                    if case .infeasibleBudget(_, let minimum, _) = error { smallest = min(smallest, minimum) } else { throw error }
                }
            }
            guard var chosen = best else { throw .infeasibleBudget(budgetBytes: budget, minimumBytes: smallest, solver: solver.rawValue) }
            chosen.plan.solver = "best-baseline (\(chosen.plan.solver))"
            return chosen
        }
        if result.simulation.peakBytes > budget {
            throw .infeasibleBudget(budgetBytes: budget, minimumBytes: result.simulation.peakBytes, solver: solver.rawValue)
        }
        let seconds = (ContinuousClock.now - start).seconds
        result.plan.budgetBytes = budget
        result.plan.summary = PlanSummary(
            peakBytes: result.simulation.peakBytes, computeCost: result.simulation.computeCost,
            recomputeCost: result.simulation.recomputeCost, objective: result.simulation.computeCost,
            status: "heuristic", solveSeconds: seconds)
        return result
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }
}
