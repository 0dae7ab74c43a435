import Graph

/// A two-level plan with the layouts of both memory levels.
public struct LaidOutTimedPlan: Sendable {
    /// The plan, its `fast_layout` and `slow_layout` recorded, replayed within the device.
    public var planned: TimedPlan
    public var fast: ArenaLayout
    public var slow: ArenaLayout
    /// What the search did (``LayoutFitting/summary``).
    public var how: String
    /// Every plan tried: the fast memory it was planned for and its fast arena.
    public var attempts: [LayoutFitting<Void>.Attempt]

    /// The plans tried, as `fast memory → fast arena` in bytes.
    public var attemptsText: String { LaidOutSchedule.text(attempts) }
}

extension TwoLevelPlanner {
    /// Lays out both levels of a two-level plan and records the layouts in it.
    public static func layOut(_ planned: TimedPlan, alignment: Int, strategy: LayoutStrategy = .best,
                              options: LayoutOptions = LayoutOptions()) throws(PlanError) -> (TimedPlan, fast: ArenaLayout, slow: ArenaLayout) {
        let (fastProblem, slowProblem) = try LayoutProblem.twoLevel(planned.timing, alignment: alignment)
        var each = options
        each.timeLimit = options.timeLimit / 2
        let fast = try ArenaPlanner.layout(fastProblem, strategy: strategy, options: each)
        let slow = try ArenaPlanner.layout(slowProblem, strategy: strategy, options: each)
        var out = planned
        out.plan.fastLayout = PlanLayout(fast, of: fastProblem)
        out.plan.slowLayout = PlanLayout(slow, of: slowProblem)
        return (out, fast, slow)
    }

    /// The fastest plan whose fast-memory arena, laid out with `strategy`, fits the device's fast
    /// memory, and whose slow-memory arena fits its slow memory (``LayoutFitting``): the solver
    /// plans for a smaller fast memory until the arena, holes and padding included, fits.
    ///
    /// Each plan is made for a fast memory `m` ≤ `memory.fastBytes` and then replayed by
    /// ``TimingSimulator`` within the real device, so its recorded budget is the device's.
    /// - Throws: ``PlanError/infeasibleBudget(budgetBytes:minimumBytes:solver:)`` when no plan
    ///   exists even at the full fast memory; ``PlanError/invalidRequest(_:)`` naming the smallest
    ///   arena seen when plans exist but none fits after layout, or when the slow arena does not
    ///   fit slow memory.
    public static func planFittingLayout(_ graph: ComputeGraph, costs: LayerCosts, memory: DeviceMemory, solver: TwoLevelSolver,
                                         options: ILPOptions = ILPOptions(), alignment: Int = 64,
                                         strategy: LayoutStrategy = .best) throws(PlanError) -> LaidOutTimedPlan {
        let total = options.timeLimit ?? 60
        var smallestArena = Int.max
        var firstError: PlanError?
        var slowOver: (arena: Int, fastBytes: Int)?
        let minimum = minimumFastBytes(graph)
        typealias Fitting = LayoutFitting<(TimedPlan, ArenaLayout, ArenaLayout)>
        let search = try Fitting.search(budget: memory.fastBytes, alignment: alignment, timeLimit: total) {
            (sum, seconds) throws(PlanError) in
            // Below the least fast memory any plan needs there is nothing to try.
            guard sum >= minimum else {
                firstError = firstError ?? .infeasibleBudget(budgetBytes: sum, minimumBytes: minimum, solver: solver.rawValue)
                return nil
            }
            let (planning, layoutOptions) = Fitting.shares(of: options, seconds: seconds)
            var smaller = memory
            smaller.fastBytes = sum
            guard var planned = try Fitting.planOrNone(&firstError, { () throws(PlanError) in
                try plan(graph, costs: costs, memory: smaller, solver: solver, options: planning)
            }) else { return nil }
            // The authoritative replay, within the real device.
            planned.timing = try TimingSimulator.replay(planned.plan, on: graph, costs: costs, memory: memory)
            planned.plan.budgetBytes = memory.fastBytes
            let (laidOut, fast, slow) = try layOut(planned, alignment: alignment, strategy: strategy, options: layoutOptions)
            smallestArena = min(smallestArena, fast.arenaBytes)
            if slow.arenaBytes > memory.slowBytes {
                slowOver = (slow.arenaBytes, sum)
                return nil
            }
            return ((laidOut, fast, slow), laidOut.timing.totalTime, fast.arenaBytes)
        }
        let attempts = search.plainAttempts
        guard let best = search.best else {
            if let slowOver {
                throw .invalidRequest("\(solver.rawValue): the slow-memory arena (\(slowOver.arena) B) of the plan for \(slowOver.fastBytes) B of fast memory does not fit the slow memory (\(memory.slowBytes) B) after layout (alignment \(alignment) B)")
            }
            if smallestArena == Int.max, let firstError { throw firstError }
            throw .invalidRequest("\(solver.rawValue): no plan's fast-memory arena fits \(Units.bytes(memory.fastBytes)) (\(memory.fastBytes) B) after layout (alignment \(alignment) B); the smallest arena found is \(Units.bytes(smallestArena)) (\(smallestArena) B); plans tried: \(LaidOutSchedule.text(attempts))")
        }
        return LaidOutTimedPlan(planned: best.planned.0, fast: best.planned.1, slow: best.planned.2, how: search.summary, attempts: attempts)
    }
}
