import Graph
import Testing
@testable import Planner

/// The incumbent's path into the full program (earliest frees) and the large neighbourhood
/// search that improves it: exact where everything is free, never worse, always a valid plan.
@Suite("Neighbourhood search")
struct NeighbourhoodSearchTests {
    /// Feasible budgets from checkpoint-all's peak down to the lowest peak chen-greedy reaches
    /// (a share of the checkpoint-all peak is often below every plan: parameters and gradients
    /// dominate small graphs).
    static func budgets(_ g: ComputeGraph, _ costs: LayerCosts) throws -> [Int] {
        let high = try Baselines.checkpointAll(g, costs: costs).simulation.peakBytes
        let low = try Baselines.chenGreedy(g, costs: costs, budget: nil).simulation.peakBytes
        return Array(Set([high, low + (high - low) * 2 / 3, low + (high - low) / 3, low])).sorted(by: >)
    }

    /// Every baseline's plan within the budget, frees moved earliest, costs the same, peaks no
    /// higher, and maps to a solution of the program (DTR's late evictions did not).
    @Test(arguments: Array(UInt64(1)...10))
    func earliestFreesMapEveryBaselineToTheProgram(seed: UInt64) throws {
        for g in [try RandomGraphs.forward(layers: 6 + Int(seed % 6), seed: seed).training(),
                  try RandomGraphs.trainingChain(length: 6 + Int(seed % 6), seed: seed)] {
        let costs = try LayerCosts.make(for: g)
        for budget in try Self.budgets(g, costs) {
            let milp = CheckpointMILP(graph: g, costs: costs, budget: budget)
            var plans = [CheckpointSolver.checkpointAll, .chenSqrtN, .chenGreedy, .dtr].compactMap {
                try? CheckpointPlanner.plan(g, costs: costs, budget: budget, solver: $0)
            }
            if let searched = CheckpointPlanner.evictionSearch(g, costs: costs, budget: budget) { plans.append(searched) }
            for p in plans where p.simulation.peakBytes <= budget {
                let early = try PlanSimulator.resolvedSteps(of: p.plan, on: g).withEarliestFrees(on: g)
                let replay = try PlanSimulator.replay(early, on: g, costs: costs, budget: budget)
                #expect(replay.computeCost == p.simulation.computeCost)
                #expect(replay.peakBytes <= p.simulation.peakBytes)
                #expect(milp.assignment(from: early) != nil, "\(g.name) at \(budget) B: \(p.plan.solver) does not map")
            }
        }
        }
    }

    /// With every rerun, storage and free variable free, the restriction (usage eliminated into
    /// one row per run of positions) is the whole program: the same optimum.
    @Test(arguments: Array(UInt64(1)...8))
    func restrictionWithEverythingFreeHasTheProgramsOptimum(seed: UInt64) throws {
        let graphs = [try RandomGraphs.forward(layers: 3 + Int(seed % 4), seed: seed).training(),
                      try RandomGraphs.trainingChain(length: 3 + Int(seed % 4), seed: seed)]
        for g in graphs {
            let costs = try LayerCosts.make(for: g)
            for budget in try Self.budgets(g, costs) {
                let milp = CheckpointMILP(graph: g, costs: costs, budget: budget)
                let full = try GLPKSolver().solve(milp.model, options: SolverOptions(timeLimit: 30, relativeGap: 0))
                var free = [Bool](repeating: true, count: milp.model.variables.count)
                for row in milp.usage { for (_, u) in row { free[u.index] = false } }
                let zeros = [Double](repeating: 0, count: free.count)
                let r = try #require(milp.restriction(freeing: free, at: zeros))
                #expect(r.model.variables.count == milp.model.variables.count - milp.usage.reduce(0) { $0 + $1.count })
                let restricted = try GLPKSolver().solve(r.model, options: SolverOptions(timeLimit: 30, relativeGap: 0))
                #expect(restricted.status == full.status, "\(g.name) at \(budget) B")
                guard full.status == .optimal, restricted.status == .optimal else { continue }
                #expect(abs(restricted.objective! - full.objective!) <= 1e-6 * max(1, abs(full.objective!)), "\(g.name) at \(budget) B")
                var values = r.expanded(restricted.values)
                milp.fillUsage(&values)
                #expect(milp.model.violation(of: values, tolerance: 1e-6) == nil)
            }
        }
    }

    /// From the best baseline, every neighbourhood's restriction admits the incumbent, and the
    /// search returns a solution of the program no costlier, whose plan replays within budget
    /// at the cost the objective says.
    @Test(arguments: Array(UInt64(1)...8))
    func searchNeverWorsensAndStaysValid(seed: UInt64) throws {
        for g in [try RandomGraphs.forward(layers: 8 + Int(seed % 5), seed: seed).training(),
                  try RandomGraphs.trainingChain(length: 8 + Int(seed % 5), seed: seed)] {
        let costs = try LayerCosts.make(for: g)
        for budget in try Self.budgets(g, costs) {
            guard let base = try? CheckpointPlanner.plan(g, costs: costs, budget: budget, solver: .bestBaseline),
                  base.simulation.peakBytes <= budget else { continue }
            let milp = CheckpointMILP(graph: g, costs: costs, budget: budget)
            let steps = try PlanSimulator.resolvedSteps(of: base.plan, on: g).withEarliestFrees(on: g)
            let start = try #require(milp.assignment(from: steps))
            let neighbourhoods = milp.neighbourhoods(groupSize: 3, windowVariables: 60)
            #expect(neighbourhoods.contains { if case .layers = $0 { true } else { false } })
            #expect(neighbourhoods.contains { if case .stages = $0 { true } else { false } })
            for n in neighbourhoods {
                let r = try #require(milp.restriction(freeing: milp.freeVariables(n), at: start))
                #expect(r.model.violation(of: r.restricted(start), tolerance: 1e-7) == nil, "\(n)")
                // Its optimum, completed, is a solution of the whole program.
                let s = try GLPKSolver().solve(r.model, options: SolverOptions(timeLimit: 10, relativeGap: 0))
                guard s.status == .optimal else { continue }
                var values = r.expanded(s.values)
                milp.fillUsage(&values)
                #expect(milp.model.violation(of: values, tolerance: 1e-6) == nil, "\(g.name) at \(budget) B, \(n)")
            }
            let search = milp.improve(start, neighbourhoods: neighbourhoods, solver: GLPKSolver(), timeLimit: 30, neighbourhoodTimeLimit: 5)
            #expect(milp.model.violation(of: search.values, tolerance: 1e-7) == nil)
            #expect(search.objective <= milp.model.objective.value(at: start) + 1e-9)
            let replay = try PlanSimulator.replay(milp.steps(from: search.values), on: g, costs: costs, budget: budget)
            #expect(abs(replay.computeCost - milp.cost(fromObjective: search.objective)) <= 1e-6 * replay.computeCost)
        }
        }
    }
}
