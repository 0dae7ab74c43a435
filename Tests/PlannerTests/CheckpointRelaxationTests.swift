import Graph
import Testing
@testable import Planner

/// The relaxation behind the MILP's lower bound: every plan maps to a feasible point of it, its
/// optimum never exceeds the true optimum, and where it meets a baseline that baseline is optimal.
@Suite("Checkpointing relaxation")
struct CheckpointRelaxationTests {
    /// The full program alone, without the relaxation: the reference optimum.
    static let fullProgram: ILPOptions = {
        var o = ILPOptions(timeLimit: 30, relativeGap: 0)
        o.relaxationCuts = []
        return o
    }()

    static func graphs(_ seed: UInt64) throws -> [ComputeGraph] {
        [try RandomGraphs.forward(layers: 4 + Int(seed % 5), seed: seed).training(),
         try RandomGraphs.trainingChain(length: 4 + Int(seed % 7), seed: seed)]
    }

    static func steps(_ plan: Plan, _ g: ComputeGraph) throws -> [ResolvedStep] {
        try PlanSimulator.resolvedSteps(of: plan, on: g)
    }

    /// The budgets at these fractions of the checkpoint-all peak.
    static func budgets(_ g: ComputeGraph, _ costs: LayerCosts, _ fractions: [Double]) throws -> [Int] {
        let peak = try Baselines.checkpointAll(g, costs: costs).simulation.peakBytes
        return fractions.map { Int(Double(peak) * $0) }
    }

    /// The validity argument, row by row: every baseline's plan within the budget is a feasible
    /// point of the relaxation (with any cuts), at its own cost.
    @Test(arguments: Array(UInt64(1)...20))
    func everyPlanWithinTheBudgetIsFeasibleForTheRelaxation(seed: UInt64) throws {
        for g in try Self.graphs(seed) {
            let costs = try LayerCosts.make(for: g)
            for budget in try Self.budgets(g, costs, [1.0, 0.8, 0.6, 0.45]) {
                for solver in CheckpointSolver.baselines {
                    guard let p = try? CheckpointPlanner.plan(g, costs: costs, budget: budget, solver: solver) else { continue }
                    for count in [1, 3, g.layers.count] {
                        let r = CheckpointRelaxation(graph: g, costs: costs, budget: budget, cuts: CheckpointRelaxation.cuts(graph: g, count: count))
                        let values = try #require(r.assignment(from: try Self.steps(p.plan, g)), "\(g.name): \(solver.rawValue) not in stage form")
                        #expect(r.model.violation(of: values) == nil, "\(g.name) at \(budget) B, \(count) cuts, \(solver.rawValue): \(r.model.violation(of: values) ?? "")")
                        // Its objective counts each rerun layer once per interval at most.
                        let objective = r.cost(fromObjective: r.model.objective.value(at: values))
                        #expect(objective <= p.simulation.computeCost + 1e-6)
                    }
                }
            }
        }
    }

    /// A plan that reruns a layer after the last frontier is not in stage form: no assignment,
    /// no crash (the bench of VGG-16 training once stopped on an index out of range there).
    @Test func rerunAfterTheLastFrontierHasNoAssignment() throws {
        let g = try RandomGraphs.trainingChain(length: 3, seed: 1)
        let costs = try LayerCosts.make(for: g)
        let r = CheckpointRelaxation(graph: g, costs: costs, budget: 1 << 20, cuts: [0, 2, g.layers.count - 1])
        let steps = g.layers.indices.map { ResolvedStep.compute($0) } + [.compute(0)]
        #expect(r.assignment(from: steps) == nil)
        #expect(r.assignment(from: g.layers.indices.map { ResolvedStep.compute($0) }) != nil)
    }

    /// The bound never exceeds the optimum of the full program (solved alone), and an infeasible
    /// relaxation means no plan fits.
    @Test(arguments: Array(UInt64(1)...16))
    func boundNeverExceedsTheOptimum(seed: UInt64) throws {
        for g in try Self.graphs(seed) {
            let costs = try LayerCosts.make(for: g)
            for budget in try Self.budgets(g, costs, [1.0, 0.75, 0.55, 0.4]) {
                let optimum = try? CheckpointPlanner.plan(g, costs: costs, budget: budget, solver: .ilp, options: Self.fullProgram)
                for counts in [[1], [2, 4], [g.layers.count]] {
                    let bound = CheckpointRelaxation.lowerBound(g, costs: costs, budget: budget, cutCounts: counts, incumbent: nil,
                                                                incumbentCost: nil, solver: GLPKSolver(), timeLimit: 30)
                    guard let cost = bound.cost else {
                        #expect(optimum == nil, "\(g.name) at \(budget) B: relaxation infeasible, yet a plan costs \(optimum!.simulation.computeCost)")
                        continue
                    }
                    #expect(cost >= costs.onceEach - 1e-9)
                    if let optimum {
                        #expect(cost <= optimum.simulation.computeCost + 1e-6, "\(g.name) at \(budget) B, cuts \(counts): bound \(cost) > optimum \(optimum.simulation.computeCost)")
                    }
                }
            }
        }
    }

    /// On tiny graphs, against the optimum over every schedule (independent of any program).
    @Test(arguments: Array(UInt64(1)...12))
    func boundNeverExceedsExhaustiveSearch(seed: UInt64) throws {
        let g = try RandomGraphs.trainingChain(length: 2 + Int(seed % 3), seed: seed * 3)
        let costs = try LayerCosts.make(for: g)
        for budget in try Self.budgets(g, costs, [1.0, 0.8, 0.6, 0.45]) {
            let exhaustive = BruteForceSchedules.optimalCost(g, costs: costs.perLayer, budget: budget)
            let bound = CheckpointRelaxation.lowerBound(g, costs: costs, budget: budget, cutCounts: [1, 2, g.layers.count], incumbent: nil,
                                                        incumbentCost: nil, solver: GLPKSolver(), timeLimit: 30)
            if let cost = bound.cost, let exhaustive { #expect(cost <= exhaustive + 1e-6) }
            if bound.cost == nil { #expect(exhaustive == nil) }
        }
    }

    /// Where the relaxation meets the best baseline, the planner returns that plan as optimal
    /// without the full program, and it costs what the full program's optimum costs.
    @Test func provesBaselinesOptimalWithoutTheFullProgram() throws {
        var proven = 0
        for seed in UInt64(1)...6 {
            let g = try RandomGraphs.trainingChain(length: 10, seed: seed, uniformSizes: true)
            let costs = try LayerCosts.make(for: g)
            for budget in try Self.budgets(g, costs, [0.8, 0.6]) {
                let fast = try CheckpointPlanner.plan(g, costs: costs, budget: budget, solver: .ilp, options: CheckpointMILPTests.options)
                let reference = try CheckpointPlanner.plan(g, costs: costs, budget: budget, solver: .ilp, options: Self.fullProgram)
                #expect(reference.plan.summary?.status == "optimal")
                #expect(abs(fast.simulation.computeCost - reference.simulation.computeCost) < 1e-9)
                #expect(try PlanSimulator.replay(fast.plan, on: g, costs: costs, budget: budget) == fast.simulation)
                if fast.plan.solver.contains("proven optimal by the relaxation") {
                    proven += 1
                    #expect(fast.plan.summary?.status == "optimal")
                    #expect(fast.plan.summary?.gap == 0)
                }
            }
        }
        #expect(proven >= 6, "the relaxation proved only \(proven) of 12 chain plans optimal")
    }
}
