import Foundation
import Graph

/// A budget sweep: every solver at every budget, each plan replayed by the simulator.
public struct CheckpointBenchmark: Sendable {
    /// One solver at one budget.
    public struct Cell: Sendable {
        public var solver: CheckpointSolver
        public var budgetBytes: Int
        /// `nil` when the solver has no plan within the budget.
        public var plan: PlannedSchedule?
        public var seconds: Double
        /// Cost divided by the checkpoint-all cost.
        public var overhead: Double? { plan.map { $0.simulation.computeCost / reference } }
        let reference: Double
    }

    public var graphName: String
    public var layerCount: Int
    public var checkpointAllPeak: Int
    public var checkpointAllCost: Double
    /// The smallest feasible budget, as found.
    public var minimumBudget: Int
    public var budgets: [Int]
    public var solvers: [CheckpointSolver]
    public var cells: [Cell]

    /// Runs the sweep: `count` budgets evenly spaced from the smallest feasible budget to the
    /// checkpoint-all peak.
    ///
    /// - Parameter jobs: solves to run at once. With more than one, each solve's time includes
    ///   the contention of the others; keep 1 to report solve times per budget.
    public init(graph: ComputeGraph, costs: LayerCosts, count: Int, solvers: [CheckpointSolver], options: ILPOptions, jobs: Int = 1) throws(PlanError) {
        let reference = try Baselines.checkpointAll(graph, costs: costs)
        let start = ContinuousClock.now
        let minimum = CheckpointPlanner.minimumFeasibleBudget(graph, costs: costs, options: options, start: start)
        let peak = reference.simulation.peakBytes
        var budgets: [Int] = []
        if count <= 1 || minimum >= peak {
            budgets = [peak]
        } else {
            for i in 0..<count { budgets.append(minimum + Int(Double(peak - minimum) * Double(i) / Double(count - 1))) }
        }
        // With jobs > 1, solves run in parallel: each builds its own GLPK problem on its own thread
        // (GLPK's environment is thread-local), so they share nothing.
        let tasks = budgets.flatMap { b in solvers.map { (b, $0) } }
        let results = ResultSlots<Cell>(count: tasks.count)
        let referenceCost = reference.simulation.computeCost
        let run: @Sendable (Int) -> Void = { i in
            let (budget, solver) = tasks[i]
            let t0 = ContinuousClock.now
            let plan = try? CheckpointPlanner.plan(graph, costs: costs, budget: budget, solver: solver, options: options)
            results.set(i, Cell(solver: solver, budgetBytes: budget, plan: plan, seconds: (ContinuousClock.now - t0).seconds,
                                reference: referenceCost))
        }
        if jobs <= 1 {
            for i in tasks.indices { run(i) }
        } else {
            let next = ResultSlots<Int>(count: 0)
            DispatchQueue.concurrentPerform(iterations: min(jobs, tasks.count)) { _ in
                while let i = next.take(below: tasks.count) { run(i) }
            }
        }
        let cells = results.values()
        graphName = graph.name
        layerCount = graph.layers.count
        checkpointAllPeak = peak
        checkpointAllCost = reference.simulation.computeCost
        minimumBudget = minimum
        self.budgets = budgets
        self.solvers = solvers
        self.cells = cells
    }

    public func cell(_ solver: CheckpointSolver, _ budget: Int) -> Cell? {
        cells.first { $0.solver == solver && $0.budgetBytes == budget }
    }

    /// Checkmate's Table 2 figure: the geometric mean over the budgets where both have a plan of
    /// the solver's cost divided by the ILP's.
    public func costRatioToILP(_ solver: CheckpointSolver) -> (ratio: Double, budgets: Int)? {
        var logSum = 0.0, n = 0
        for b in budgets {
            guard let s = cell(solver, b)?.plan, let i = cell(.ilp, b)?.plan else { continue }
            logSum += log(s.simulation.computeCost / i.simulation.computeCost)
            n += 1
        }
        return n == 0 ? nil : (exp(logSum / Double(n)), n)
    }
}


/// Results written by parallel jobs, one slot each.
final class ResultSlots<Value: Sendable>: @unchecked Sendable {
    private var slots: [Value?]
    private let lock = NSLock()

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    func set(_ i: Int, _ value: Value) {
        lock.lock()
        slots[i] = value
        lock.unlock()
    }

    private var counter = 0

    /// Hands out 0, 1, 2, ... below `limit`, then nil: a shared work queue.
    func take(below limit: Int) -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard counter < limit else { return nil }
        counter += 1
        return counter - 1
    }

    func values() -> [Value] {
        lock.lock()
        defer { lock.unlock() }
        return slots.map { $0! }
    }
}
