import Graph
import Testing
@testable import Planner

/// The memory-aware layer order for graphs without backward layers: a topological order whose
/// peak the simulator confirms, plans made in it that replay on the graph as given, and a
/// hand-counted case where it removes all recomputation.
@Suite("Memory-aware layer order")
struct MemoryAwareOrderTests {
    static func graphs(_ seed: UInt64) throws -> [ComputeGraph] {
        [try RandomGraphs.layeredDAG(nodes: 10 + Int(seed % 60), seed: seed),
         try RandomGraphs.forward(layers: 5 + Int(seed % 15), seed: seed, skip: 0.5)]
    }

    /// A permutation in which every layer comes after the layers it reads from; its peak is the
    /// checkpoint-all peak the simulator replays on the reordered graph, never above the given
    /// order's (whose peak the same count gives as the simulator does).
    @Test(arguments: Array(UInt64(1)...40))
    func theOrderIsTopologicalAndItsPeakIsTheSimulators(seed: UInt64) throws {
        for g in try Self.graphs(seed) {
            let costs = try LayerCosts.make(for: g)
            let given = g.keepEverythingPeak(order: Array(g.layers.indices))
            #expect(given == (try Baselines.checkpointAll(g, costs: costs)).simulation.peakBytes, "\(g.name)")
            let found = g.memoryAwareOrder(restarts: 8, seed: seed)
            #expect(found.order.sorted() == Array(g.layers.indices), "\(g.name)")
            var position = [Int](repeating: -1, count: g.layers.count)
            for (k, l) in found.order.enumerated() { position[l] = k }
            for l in g.layers.indices {
                for t in g.layerInputs[l] {
                    if let p = g.producer[t] { #expect(position[p] < position[l], "\(g.name): \(g.layers[l].name) before its input's producer") }
                }
            }
            #expect(found.peak <= given, "\(g.name)")
            let reordered = try g.reordered(found.order)
            #expect(reordered.layers.map(\.name) == found.order.map { g.layers[$0].name })
            let perLayer = reordered.layers.map { costs.perLayer[g.layerID(named: $0.name)!] }
            let all = try Baselines.checkpointAll(reordered, costs: LayerCosts(perLayer: perLayer, unit: costs.unit))
            #expect(all.simulation.peakBytes == found.peak, "\(g.name)")
        }
    }

    /// Plans made in the memory-aware order (the default) replay within the budget on the graph
    /// as given, by every baseline and the ilp, at budgets between the least a layer needs and
    /// the given order's peak.
    @Test(arguments: Array(UInt64(1)...12))
    func plansReplayOnTheGraphAsGiven(seed: UInt64) throws {
        let g = try RandomGraphs.layeredDAG(nodes: 20 + Int(seed % 30), seed: seed)
        let costs = try LayerCosts.make(for: g)
        var reordered = 0
        for budget in try LifetimeSplittingTests.budgets(g, count: 4) {
            for solver in [CheckpointSolver.bestBaseline, .ilp] {
                guard let p = try? CheckpointPlanner.plan(g, costs: costs, budget: budget, solver: solver, options: ILPOptions(timeLimit: 1)) else { continue }
                if p.plan.solver.contains("memory-aware order") { reordered += 1 }
                #expect(try PlanSimulator.replay(p.plan, on: g, costs: costs, budget: budget) == p.simulation)
                #expect(p.simulation.peakBytes <= budget)
            }
        }
        if g.memoryAwareOrder(restarts: 64).peak < g.keepEverythingPeak(order: Array(g.layers.indices)) {
            #expect(reordered > 0, "\(g.name): the order is lower but no plan used it")
        }
    }

    /// Two branches, each a large tensor then a small one, joined at the end, given as
    /// s, a1, b1, a2, b2, j. In that order a1 and b1 are live together (201 B with s); running
    /// a branch to its end first needs 102 B. At 102 B the memory-aware plan runs every layer
    /// once (cost 24, the least any plan can cost); in the given order a1 and b1 must both be
    /// dropped and rerun (24 + 10 + 10 = 44, also the exhaustive optimum for that order).
    @Test func aBranchAtATimeNeedsNoRecomputation() throws {
        let bytes = ["s": 1, "a1": 100, "b1": 100, "a2": 1, "b2": 1, "j": 1]
        let spec: [(String, [String], Double)] = [("s", [], 1), ("a1", ["s"], 10), ("b1", ["s"], 10), ("a2", ["a1"], 1), ("b2", ["b1"], 1), ("j", ["a2", "b2"], 1)]
        let g = try ComputeGraph(name: "branches",
                                 tensors: spec.map { Tensor(name: $0.0, bytes: bytes[$0.0]!) },
                                 layers: spec.map { Layer(name: $0.0, op: "opaque", inputs: $0.1, outputs: [$0.0], time: $0.2) })
        let costs = try LayerCosts.make(for: g)
        #expect(g.keepEverythingPeak(order: Array(g.layers.indices)) == 201)
        #expect(g.memoryAwareOrder(restarts: 0).peak == 102)
        let free = try CheckpointPlanner.plan(g, costs: costs, budget: 102, solver: .ilp, options: ILPOptions(timeLimit: 5))
        #expect(free.simulation.computeCost == 24)
        #expect(free.simulation.recomputeCost == 0)
        #expect(free.plan.solver.contains("memory-aware order"))
        var keep = ILPOptions(timeLimit: 5)
        keep.reordersLayers = false
        let given = try CheckpointPlanner.plan(g, costs: costs, budget: 102, solver: .ilp, options: keep)
        #expect(given.simulation.computeCost == 44)
        #expect(BruteForceSchedules.optimalCost(g, costs: costs.perLayer, budget: 102) == 44)
        #expect(try PlanSimulator.replay(given.plan, on: g, costs: costs, budget: 102) == given.simulation)
    }
}
