import Graph

/// A plan with its layout.
public struct LaidOutSchedule: Sendable {
    public var schedule: PlannedSchedule
    public var layout: ArenaLayout
    /// What the search did (``LayoutFitting/summary``).
    public var how: String
    /// Every plan tried.
    public var attempts: [LayoutFitting<Void>.Attempt]

    /// The plans tried, as `sum budget → arena` in bytes, with each plan's cost.
    public var attemptsText: String { Self.text(attempts) }

    static func text(_ attempts: [LayoutFitting<Void>.Attempt]) -> String {
        attempts.map { a in
            guard let arena = a.arenaBytes else { return "\(a.sumBudget) B → no plan" }
            return "\(a.sumBudget) B → arena \(arena) B" + (a.cost.map { " (cost \($0))" } ?? "")
        }.joined(separator: ", ")
    }
}

extension CheckpointPlanner {
    /// The plan's layout, recorded in the plan.
    public static func layOut(_ planned: PlannedSchedule, on graph: ComputeGraph, alignment: Int, strategy: LayoutStrategy = .best,
                              options: LayoutOptions = LayoutOptions()) throws(PlanError) -> (PlannedSchedule, ArenaLayout) {
        let problem = try LayoutProblem.oneLevel(planned.plan, on: graph, alignment: alignment)
        let layout = try ArenaPlanner.layout(problem, strategy: strategy, options: options)
        var out = planned
        out.plan.layout = PlanLayout(layout, of: problem)
        return (out, layout)
    }

    /// The cheapest plan whose arena, laid out with `strategy`, fits the budget (``LayoutFitting``):
    /// the budget bounds the arena, not the sum of live bytes.
    /// - Throws: ``PlanError/infeasibleBudget(budgetBytes:minimumBytes:solver:)`` with the
    ///   smallest arena seen when no plan tried fits after layout.
    public static func planFittingLayout(_ graph: ComputeGraph, costs: LayerCosts, budget: Int, solver: CheckpointSolver,
                                         options: ILPOptions = ILPOptions(), alignment: Int = 64,
                                         strategy: LayoutStrategy = .best) throws(PlanError) -> LaidOutSchedule {
        let total = options.timeLimit ?? 60
        var smallestArena = Int.max
        var firstError: PlanError?
        typealias Fitting = LayoutFitting<(PlannedSchedule, ArenaLayout)>
        let search = try Fitting.search(budget: budget, alignment: alignment, timeLimit: total) {
            (sum, seconds) throws(PlanError) in
            let (planning, layoutOptions) = Fitting.shares(of: options, seconds: seconds)
            guard let planned = try Fitting.planOrNone(&firstError, { () throws(PlanError) in
                try plan(graph, costs: costs, budget: sum, solver: solver, options: planning)
            }) else { return nil }
            let (laidOut, layout) = try layOut(planned, on: graph, alignment: alignment, strategy: strategy, options: layoutOptions)
            smallestArena = min(smallestArena, layout.arenaBytes)
            return ((laidOut, layout), laidOut.simulation.computeCost, layout.arenaBytes)
        }
        let attempts = search.plainAttempts
        guard let best = search.best else {
            if smallestArena == Int.max, let firstError { throw firstError }
            throw .invalidRequest("\(solver.rawValue): no plan's arena fits \(Units.bytes(budget)) (\(budget) B) after layout (alignment \(alignment) B); the smallest arena found is \(Units.bytes(smallestArena)) (\(smallestArena) B); plans tried: \(LaidOutSchedule.text(attempts))")
        }
        var schedule = best.planned.0
        schedule.plan.budgetBytes = budget
        return LaidOutSchedule(schedule: schedule, layout: best.planned.1, how: search.summary, attempts: attempts)
    }
}
