import Graph
import Testing
@testable import Planner

/// The eviction-policy variants that seed the MILP: valid plans within the budget, DTR's own
/// policy reproduces the `dtr` baseline, and the MILP never returns anything costlier.
@Suite("Eviction search")
struct EvictionSearchTests {
    @Test(arguments: Array(UInt64(1)...12))
    func variantsAreValidPlansWithinTheBudget(seed: UInt64) throws {
        let g = try RandomGraphs.forward(layers: 6 + Int(seed % 6), seed: seed).training()
        let costs = try LayerCosts.make(for: g)
        let peak = try Baselines.checkpointAll(g, costs: costs).simulation.peakBytes
        let keep = [Bool](repeating: true, count: g.tensors.count)
        for fraction in [0.9, 0.7, 0.5] {
            let budget = Int(Double(peak) * fraction)
            if let dtr = try? Baselines.dtr(g, costs: costs, budget: budget) {
                let same = try Baselines.schedule(g, costs: costs, keep: keep, solver: "dtr", budget: budget, eviction: .dtr)
                #expect(same.plan.steps == dtr.plan.steps)
            }
            for policy in ScheduleBuilder.EvictionPolicy.variants {
                guard let p = try? Baselines.schedule(g, costs: costs, keep: keep, solver: "v", budget: budget, eviction: policy) else { continue }
                // The plan replays from its own steps, and the builder kept it within the budget.
                let replay = try PlanSimulator.replay(p.plan, on: g, costs: costs, budget: budget)
                #expect(replay == p.simulation)
            }
            guard let searched = CheckpointPlanner.evictionSearch(g, costs: costs, budget: budget) else { continue }
            #expect(searched.simulation.peakBytes <= budget)
            let ilp = try CheckpointPlanner.plan(g, costs: costs, budget: budget, solver: .ilp, options: CheckpointMILPTests.options)
            #expect(ilp.simulation.computeCost <= searched.simulation.computeCost + 1e-9)
        }
    }
}
