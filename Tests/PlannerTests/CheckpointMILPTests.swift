import Graph
import Testing
@testable import Planner

/// The MILP against every baseline, against exhaustive search on tiny graphs, and on infeasible budgets.
@Suite("Checkpointing MILP")
struct CheckpointMILPTests {
    static let options = ILPOptions(timeLimit: 30, relativeGap: 0)

    static func plan(_ g: ComputeGraph, _ costs: LayerCosts, _ budget: Int, _ solver: CheckpointSolver) -> PlannedSchedule? {
        try? CheckpointPlanner.plan(g, costs: costs, budget: budget, solver: solver, options: options)
    }

    @Test(arguments: Array(UInt64(1)...24))
    func neverLosesToABaseline(seed: UInt64) throws {
        let graphs = [try RandomGraphs.forward(layers: 3 + Int(seed % 5), seed: seed).training(),
                      try RandomGraphs.trainingChain(length: 3 + Int(seed % 6), seed: seed)]
        for g in graphs {
            let costs = try LayerCosts.make(for: g)
            let peak = try Baselines.checkpointAll(g, costs: costs).simulation.peakBytes
            for fraction in [1.0, 0.8, 0.65] {
                let budget = Int(Double(peak) * fraction)
                let ilp = Self.plan(g, costs, budget, .ilp)
                if let ilp {
                    #expect(ilp.simulation.peakBytes <= budget)
                    #expect(try PlanSimulator.replay(ilp.plan, on: g, costs: costs, budget: budget) == ilp.simulation)
                    #expect(ilp.plan.summary?.status == "optimal")
                }
                for solver in CheckpointSolver.baselines {
                    guard let b = Self.plan(g, costs, budget, solver) else { continue }
                    let i = try #require(ilp, "\(g.name) at \(budget) B: \(solver.rawValue) fits but ilp does not")
                    #expect(i.simulation.computeCost <= b.simulation.computeCost + 1e-9,
                            "\(g.name) at \(budget) B: ilp \(i.simulation.computeCost) > \(solver.rawValue) \(b.simulation.computeCost)")
                }
            }
        }
    }

    /// On tiny graphs the MILP's optimum equals the optimum over every schedule.
    @Test(arguments: Array(UInt64(1)...16))
    func equalsExhaustiveSearchOnTinyGraphs(seed: UInt64) throws {
        let graphs = [try RandomGraphs.trainingChain(length: 2 + Int(seed % 3), seed: seed),
                      try RandomGraphs.forward(layers: 2 + Int(seed % 2), seed: seed * 7).training()]
        for g in graphs where g.tensors.filter({ $0.kind != .parameter }).count <= 16 {
            let costs = try LayerCosts.make(for: g)
            let peak = try Baselines.checkpointAll(g, costs: costs).simulation.peakBytes
            for fraction in [1.0, 0.85, 0.7, 0.55] {
                let budget = Int(Double(peak) * fraction)
                let exhaustive = BruteForceSchedules.optimalCost(g, costs: costs.perLayer, budget: budget)
                let ilp = Self.plan(g, costs, budget, .ilp)
                #expect((exhaustive == nil) == (ilp == nil), "\(g.name) at \(budget) B: exhaustive \(String(describing: exhaustive)), ilp \(String(describing: ilp?.simulation.computeCost))")
                if let exhaustive, let ilp {
                    #expect(abs(ilp.simulation.computeCost - exhaustive) < 1e-6, "\(g.name) at \(budget) B: ilp \(ilp.simulation.computeCost), exhaustive \(exhaustive)")
                }
            }
        }
    }

    @Test(arguments: [UInt64(2), 5, 9])
    func infeasibleBudgetReportsTheMinimum(seed: UInt64) throws {
        let g = try RandomGraphs.trainingChain(length: 6, seed: seed)
        let costs = try LayerCosts.make(for: g)
        do {
            _ = try CheckpointPlanner.plan(g, costs: costs, budget: 1, solver: .ilp, options: Self.options)
            Issue.record("a 1-byte budget was accepted")
        } catch {
            guard case .infeasibleBudget(1, let minimum, let solver) = error, solver.hasPrefix("ilp") else { Issue.record("got \(error)"); return }
            // The minimum is feasible, and one byte less is not, for any schedule.
            #expect(Self.plan(g, costs, minimum, .ilp) != nil)
            #expect(BruteForceSchedules.optimalCost(g, costs: costs.perLayer, budget: minimum - 1) == nil)
            #expect(error.description.contains("smallest feasible budget"))
        }
    }
}

@Suite("Checkpointing MILP size guard")
struct CheckpointMILPSizeTests {
    @Test func estimateMatchesTheBuiltModel() throws {
        for seed in [UInt64(1), 4, 9] {
            let g = try RandomGraphs.forward(layers: 10, seed: seed).training()
            let costs = try LayerCosts.make(for: g)
            let built = CheckpointMILP(graph: g, costs: costs, budget: 1 << 20).model.variables.count
            let estimate = CheckpointMILP.estimatedSize(graph: g)
            #expect(Double(estimate) >= 0.8 * Double(built) && Double(estimate) <= 1.25 * Double(built), "estimate \(estimate), built \(built)")
        }
    }

    @Test func declinesTooLargeModelsWithTheBestBaseline() throws {
        let g = try RandomGraphs.trainingChain(length: 12, seed: 4)
        let costs = try LayerCosts.make(for: g)
        let budget = try Baselines.checkpointAll(g, costs: costs).simulation.peakBytes * 3 / 4
        var alone = ILPOptions(maximumVariables: 10)
        alone.relaxationCuts = []
        let r = try CheckpointPlanner.plan(g, costs: costs, budget: budget, solver: .ilp, options: alone)
        #expect(r.plan.solver.hasPrefix("ilp declined"))
        #expect(r.plan.summary?.lowerBound == costs.onceEach)
        // With the relaxation the bound can only be better, and still below the plan's cost.
        let relaxed = try CheckpointPlanner.plan(g, costs: costs, budget: budget, solver: .ilp, options: ILPOptions(maximumVariables: 10))
        #expect(relaxed.plan.solver.hasPrefix("ilp declined") || relaxed.plan.solver.contains("proven optimal by the relaxation"))
        let bound = try #require(relaxed.plan.summary?.lowerBound)
        #expect(bound >= costs.onceEach && bound <= relaxed.simulation.computeCost)
        #expect(relaxed.simulation.computeCost == r.simulation.computeCost)
        #expect(try PlanSimulator.replay(relaxed.plan, on: g, costs: costs, budget: budget) == relaxed.simulation)
        #expect(try PlanSimulator.replay(r.plan, on: g, costs: costs, budget: budget) == r.simulation)
    }
}

@Suite("Budget sweep")
struct CheckpointBenchmarkTests {
    /// Solving budgets in parallel (one GLPK problem per thread) gives the same plans as in sequence.
    @Test func parallelSweepEqualsSequential() throws {
        let g = try RandomGraphs.trainingChain(length: 8, seed: 12)
        let costs = try LayerCosts.make(for: g)
        let options = ILPOptions(timeLimit: 30, relativeGap: 0)
        let solvers: [CheckpointSolver] = [.ilp, .chenGreedy, .dtr]
        let sequential = try CheckpointBenchmark(graph: g, costs: costs, count: 4, solvers: solvers, options: options, jobs: 1)
        let parallel = try CheckpointBenchmark(graph: g, costs: costs, count: 4, solvers: solvers, options: options, jobs: 2)
        #expect(sequential.budgets == parallel.budgets)
        for (a, b) in zip(sequential.cells, parallel.cells) {
            #expect(a.solver == b.solver && a.budgetBytes == b.budgetBytes)
            #expect(a.plan?.simulation.computeCost == b.plan?.simulation.computeCost)
            if let p = a.plan { #expect(p.simulation.peakBytes <= a.budgetBytes) }
        }
        // The ILP never loses to a baseline at any budget of the sweep.
        for budget in sequential.budgets {
            guard let ilp = sequential.cell(.ilp, budget)?.plan else { continue }
            for s in [CheckpointSolver.chenGreedy, .dtr] {
                if let other = sequential.cell(s, budget)?.plan { #expect(ilp.simulation.computeCost <= other.simulation.computeCost + 1e-9) }
            }
        }
    }
}
