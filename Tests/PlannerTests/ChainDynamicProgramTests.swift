import Foundation
import Graph
import Testing
@testable import Planner

/// The chain dynamic program against exhaustive search, and the MILP against the dynamic program.
///
/// With activations of different sizes the recursion is not always exact under this project's
/// memory rules (see ``ChainDynamicProgram``), so there it is checked as a valid upper bound that
/// the MILP never loses to. With activations of one size it matches exhaustive search on every
/// chain and budget tried, and there the MILP must equal it.
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

    /// Activations of one size (the homogeneous setting of revolve), random costs: the recursion
    /// equals exhaustive search at every budget from the peak down to infeasible.
    @Test(arguments: Array(UInt64(1)...60))
    func isExactWhenActivationsHaveOneSize(seed: UInt64) throws {
        let g = try RandomGraphs.trainingChain(length: 2 + Int(seed % 5), seed: seed, uniformSizes: true)
        let costs = try LayerCosts.make(for: g)
        let dp = try #require(ChainDynamicProgram(graph: g, costs: costs))
        let peak = try Baselines.checkpointAll(g, costs: costs).simulation.peakBytes
        for budget in stride(from: peak, through: 8, by: -4) {
            let exhaustive = BruteForceSchedules.optimalCost(g, costs: costs.perLayer, budget: budget)
            #expect(dp.optimalCost(budget: budget) == exhaustive, "\(g.name) at \(budget) B")
        }
    }

    /// On chains whose activations have one size, the MILP proves the dynamic program's optimum.
    @Test(arguments: Array(UInt64(1)...4))
    func milpEqualsTheDynamicProgramWhereItIsExact(seed: UInt64) throws {
        let g = try RandomGraphs.trainingChain(length: 4 + Int(seed), seed: seed + 300, uniformSizes: true)
        let costs = try LayerCosts.make(for: g)
        let dp = try #require(ChainDynamicProgram(graph: g, costs: costs))
        let peak = try Baselines.checkpointAll(g, costs: costs).simulation.peakBytes
        for budget in stride(from: peak - 4, through: 8, by: -8) {
            guard let best = dp.optimalCost(budget: budget) else {
                // Below the recursion's minimum, which is exact here: the MILP finds nothing either.
                #expect(throws: PlanError.self) {
                    try CheckpointPlanner.plan(g, costs: costs, budget: budget, solver: .ilp, options: ILPOptions(timeLimit: 30))
                }
                continue
            }
            let ilp = try CheckpointPlanner.plan(g, costs: costs, budget: budget, solver: .ilp,
                                                 options: ILPOptions(timeLimit: 120, relativeGap: 0))
            #expect(ilp.plan.summary?.status == "optimal")
            #expect(abs(ilp.simulation.computeCost - best) < 1e-6, "\(g.name) at \(budget) B: ilp \(ilp.simulation.computeCost), dp \(best)")
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

    /// The exactness figures in ``ChainDynamicProgram``'s documentation: over 300 chains of 2–6
    /// layers with activations of 1–8 bytes and every budget from the peak to a third of it, how
    /// often the recursion (with and without its drop branch) equals exhaustive search. About two
    /// minutes, so it runs only on request: `PLAN_EXPERIMENTS=1 swift test --filter dynamicProgramExactness`.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["PLAN_EXPERIMENTS"] != nil))
    func dynamicProgramExactness() throws {
        var cases = 0, persistentExact = 0, exact = 0
        for seed in UInt64(1)...300 {
            let g = try RandomGraphs.trainingChain(length: 2 + Int(seed % 5), seed: seed)
            let costs = try LayerCosts.make(for: g)
            var dp = try #require(ChainDynamicProgram(graph: g, costs: costs))
            let peak = try Baselines.checkpointAll(g, costs: costs).simulation.peakBytes
            for budget in stride(from: peak, through: peak / 3, by: -1) {
                guard let optimum = BruteForceSchedules.optimalCost(g, costs: costs.perLayer, budget: budget) else { continue }
                cases += 1
                dp.dropsCheckpoints = true
                if dp.optimalCost(budget: budget) == optimum { exact += 1 }
                dp.dropsCheckpoints = false
                if dp.optimalCost(budget: budget) == optimum { persistentExact += 1 }
            }
        }
        print("chain DP exact on \(exact) of \(cases) (chain, feasible budget) pairs; without the drop branch \(persistentExact)")
        #expect(exact >= persistentExact)
    }

    @Test func recognizesOnlyChains() throws {
        let nonChain = try RandomGraphs.forward(layers: 5, seed: 3).training()
        #expect(ChainDynamicProgram(graph: nonChain, costs: try LayerCosts.make(for: nonChain)) == nil)
    }
}
