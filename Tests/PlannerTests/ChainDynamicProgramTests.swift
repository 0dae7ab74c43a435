import Graph
import Testing
@testable import Planner

/// The chain dynamic program against exhaustive search, and the MILP against the dynamic program.
///
/// Under this project's memory rules the Rotor/revolve recursion is not exact: exhaustive search
/// finds cheaper schedules on some chains (for example `trainingChain(length: 4, seed: 2)`: 36
/// against the recursion's 38 at 23 B): the optimum keeps a₁, reruns f₂ from it, then frees a₁
/// to make room for b₂ and reruns f₁ from a₀ before b₁ — a checkpoint used and then dropped and
/// recomputed, which the recursion (a subproblem holds its source until its last backward layer)
/// never does. So the recursion is checked as a valid upper bound, and the MILP must never lose
/// to it.
@Suite("Chain dynamic program")
struct ChainDynamicProgramTests {
    @Test(arguments: Array(UInt64(1)...20))
    func isAValidUpperBoundOnExhaustiveSearch(seed: UInt64) throws {
        let g = try RandomGraphs.trainingChain(length: 2 + Int(seed % 4), seed: seed)
        let costs = try LayerCosts.make(for: g)
        let dp = try #require(ChainDynamicProgram(graph: g, costs: costs))
        let peak = try Baselines.checkpointAll(g, costs: costs).simulation.peakBytes
        for budget in stride(from: peak, through: peak / 3, by: -max(1, peak / 12)) {
            let exhaustive = BruteForceSchedules.optimalCost(g, costs: costs.perLayer, budget: budget)
            let best = dp.optimalCost(budget: budget)
            if let best {
                let exact = try #require(exhaustive, "\(g.name) at \(budget) B: dp found a schedule that exhaustive search did not")
                #expect(best >= exact - 1e-9)
            }
            // The DP's schedule is valid, within the budget, and costs what the DP says.
            if let best {
                let plan = try #require(dp.optimalPlan(budget: budget))
                let sim = try PlanSimulator.replay(plan, on: g, costs: costs, budget: budget)
                #expect(abs(sim.computeCost - best) < 1e-9)
            }
        }
    }

    /// On chains the MILP never loses to the dynamic program, and matches it where the recursion is exact.
    @Test(arguments: Array(UInt64(1)...10))
    func milpNeverLosesToTheDynamicProgram(seed: UInt64) throws {
        let g = try RandomGraphs.trainingChain(length: 4 + Int(seed % 6), seed: seed + 100)
        let costs = try LayerCosts.make(for: g)
        let dp = try #require(ChainDynamicProgram(graph: g, costs: costs))
        let peak = try Baselines.checkpointAll(g, costs: costs).simulation.peakBytes
        for fraction in [0.9, 0.7, 0.5] {
            let budget = Int(Double(peak) * fraction)
            let best = dp.optimalCost(budget: budget)
            let ilp = try? CheckpointPlanner.plan(g, costs: costs, budget: budget, solver: .ilp, options: ILPOptions(timeLimit: 30, relativeGap: 0))
            if let best {
                let i = try #require(ilp, "\(g.name) at \(budget) B: the DP fits but the MILP does not")
                #expect(i.plan.summary?.status == "optimal")
                #expect(i.simulation.computeCost <= best + 1e-6, "\(g.name) at \(budget) B: ilp \(i.simulation.computeCost), dp \(best)")
            }
        }
    }

    @Test func recognizesOnlyChains() throws {
        let nonChain = try RandomGraphs.forward(layers: 5, seed: 3).training()
        #expect(ChainDynamicProgram(graph: nonChain, costs: try LayerCosts.make(for: nonChain)) == nil)
    }
}
