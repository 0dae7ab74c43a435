import Graph
import Testing
@testable import Planner

/// The greedy rematerialization over lifetimes (`lifetime-split`): plans replay within their
/// budget, never beat the exhaustive optimum, and find plans on wide DAGs where eviction fails.
@Suite("Lifetime splitting")
struct LifetimeSplittingTests {
    /// Budgets from the largest single-layer need to the keep-everything peak.
    static func budgets(_ g: ComputeGraph, count: Int) throws -> [Int] {
        let costs = try LayerCosts.make(for: g)
        let peak = try Baselines.checkpointAll(g, costs: costs).simulation.peakBytes
        let floor = g.layers.indices.map { l in
            (g.layerInputs[l] + g.layerOutputs[l]).filter { g.tensors[$0].kind != .parameter }.reduce(0) { $0 + g.tensors[$1].bytes }
        }.max() ?? 0
        return (0..<count).map { floor + (peak - floor) * ($0 + 1) / count }
    }

    @Test(arguments: Array(UInt64(1)...24))
    func plansReplayWithinTheBudget(seed: UInt64) throws {
        let graphs = [try RandomGraphs.layeredDAG(nodes: 12 + Int(seed % 40), seed: seed),
                      try RandomGraphs.forward(layers: 6 + Int(seed % 14), seed: seed).training(),
                      try RandomGraphs.trainingChain(length: 3 + Int(seed % 12), seed: seed)]
        for g in graphs {
            let costs = try LayerCosts.make(for: g)
            let all = try Baselines.checkpointAll(g, costs: costs)
            var found = 0
            for budget in try Self.budgets(g, count: 6) {
                guard let s = try? Baselines.lifetimeSplitting(g, costs: costs, budget: budget) else { continue }
                found += 1
                // Replayed again from the written plan, with the budget: what verify does.
                let replay = try PlanSimulator.replay(s.plan, on: g, costs: costs, budget: budget)
                #expect(replay == s.simulation)
                #expect(s.simulation.computeCost >= all.simulation.computeCost - 1e-9)
            }
            // At the keep-everything peak nothing is split: the plan is checkpoint-all's cost.
            let atPeak = try Baselines.lifetimeSplitting(g, costs: costs, budget: all.simulation.peakBytes)
            #expect(atPeak.simulation.computeCost == all.simulation.computeCost, "\(g.name)")
            #expect(found >= 1)
        }
    }

    /// Never below the exhaustive optimum, and within the planner's ilp on tiny DAGs.
    @Test(arguments: Array(UInt64(1)...12))
    func neverBeatsTheExhaustiveOptimum(seed: UInt64) throws {
        let g = try RandomGraphs.layeredDAG(nodes: 6 + Int(seed % 4), seed: seed)
        let costs = try LayerCosts.make(for: g)
        for budget in try Self.budgets(g, count: 5) {
            let exact = BruteForceSchedules.optimalCost(g, costs: costs.perLayer, budget: budget)
            guard let s = try? Baselines.lifetimeSplitting(g, costs: costs, budget: budget) else { continue }
            let optimum = try #require(exact, "a plan exists at \(budget) B, so the exhaustive search must find one")
            #expect(s.simulation.computeCost >= optimum - 1e-9)
            // The ilp starts from the best baseline, this one included: never worse. (In the
            // order given, as the exhaustive search; MemoryAwareOrderTests covers the other.)
            var options = ILPOptions(timeLimit: 10)
            options.reordersLayers = false
            let ilp = try CheckpointPlanner.plan(g, costs: costs, budget: budget, solver: .ilp, options: options)
            #expect(ilp.simulation.computeCost <= s.simulation.computeCost + 1e-9)
            #expect(ilp.simulation.computeCost >= optimum - 1e-9)
        }
    }

    /// Where DTR's eviction cascades (early tensors die before their skip connections are read,
    /// so an evicted tensor's recomputation needs its freed inputs, and theirs), splitting
    /// lifetimes still finds plans: 200-node layered DAGs at 90% of their peak.
    @Test func findsPlansWhereEvictionCascades() throws {
        var split = 0, evicted = 0
        for seed: UInt64 in 1...8 {
            let g = try RandomGraphs.layeredDAG(nodes: 200, seed: seed, pNext: 0.1, pSkip: 0.02)
            let costs = try LayerCosts.make(for: g)
            let peak = try Baselines.checkpointAll(g, costs: costs).simulation.peakBytes
            let budget = peak * 9 / 10
            if (try? Baselines.dtr(g, costs: costs, budget: budget)) != nil { evicted += 1 }
            if let s = try? Baselines.lifetimeSplitting(g, costs: costs, budget: budget) {
                split += 1
                #expect(try PlanSimulator.replay(s.plan, on: g, costs: costs, budget: budget) == s.simulation)
            }
        }
        print("layered DAGs at 90%: lifetime-split \(split)/8, dtr \(evicted)/8")
        #expect(split >= 6)
        #expect(evicted < split)
    }

    /// Randomized restarts (seeded per-tensor factors on the split score) fit where the plain
    /// greedy gets stuck a few bytes over, and are never costlier than it: on eight 100-node
    /// layered DAGs at 80% of the peak the plain greedy fits 3, with restarts more (4 with 64).
    @Test func restartsFitWhereTheGreedyIsStuck() throws {
        var plain = 0, restarted = 0
        for seed: UInt64 in 1...8 {
            let g = try RandomGraphs.layeredDAG(nodes: 100, seed: seed, pNext: 0.1, pSkip: 0.02)
            let costs = try LayerCosts.make(for: g)
            let budget = try Baselines.checkpointAll(g, costs: costs).simulation.peakBytes * 8 / 10
            let a = try? Baselines.lifetimeSplitting(g, costs: costs, budget: budget, restarts: 0)
            let b = try? Baselines.lifetimeSplitting(g, costs: costs, budget: budget)
            if a != nil { plain += 1 }
            if let b {
                restarted += 1
                #expect(try PlanSimulator.replay(b.plan, on: g, costs: costs, budget: budget) == b.simulation)
                if let a { #expect(b.simulation.computeCost <= a.simulation.computeCost) }
            } else {
                #expect(a == nil)
            }
        }
        #expect(restarted > plain)
    }

    /// A tensor's instances never meet, and the memory count is the instances' sum. (A split
    /// whose reruns read the same tensor twice could hold or rerun it twice in one stage, and
    /// merging those instances back trapped: found on a 1,000-node DAG at 80%, in one run of
    /// three, as the order of a Set decided; these small cases did not reproduce it, they check
    /// the invariant.)
    @Test(arguments: Array(UInt64(1)...16))
    func instancesOfATensorNeverMeet(seed: UInt64) throws {
        let g = try RandomGraphs.layeredDAG(nodes: 60 + Int(seed % 60), seed: seed)
        let costs = try LayerCosts.make(for: g)
        let peak = try Baselines.checkpointAll(g, costs: costs).simulation.peakBytes
        for tenths in [8, 7] {
            var split = LifetimeSplitting(graph: g, costs: costs, budget: peak * tenths / 10)
            do { try split.run(deadline: Deadline(secondsFromNow: 10)) } catch { continue }
            var memory = [Int](repeating: 0, count: g.layers.count)
            for (x, list) in split.instances.enumerated() {
                for (a, b) in zip(list, list.dropFirst()) { #expect(a.end < b.start, "seed \(seed): \(g.tensors[x].name) \(a) \(b)") }
                for i in list { for s in i.start...i.end { memory[s] += g.tensors[x].bytes } }
            }
            #expect(memory == split.memory, "seed \(seed)")
        }
    }

    /// The deadline holds: an already-passed deadline stops it at once with a clear error.
    @Test func stopsAtItsDeadline() throws {
        let g = try RandomGraphs.layeredDAG(nodes: 200, seed: 1, pNext: 0.1, pSkip: 0.02)
        let costs = try LayerCosts.make(for: g)
        let peak = try Baselines.checkpointAll(g, costs: costs).simulation.peakBytes
        #expect(throws: PlanError.deadlinePassed(solver: "lifetime-split")) {
            try Baselines.lifetimeSplitting(g, costs: costs, budget: peak * 9 / 10, deadline: Deadline(secondsFromNow: 0))
        }
    }
}
