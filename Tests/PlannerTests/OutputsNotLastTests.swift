import Graph
import Testing
@testable import Planner

/// Graphs whose outputs are not all last in the order (issue 18): the ilp never reports less
/// than the baselines achieve, and every plan keeps every output to the end.
@Suite("Outputs not last")
struct OutputsNotLastTests {
    /// The issue's graph: n0 → n1 (100 B, an output); n0 → n2 → n3 (60 B) → n4 (10 B, an output).
    static func five() throws -> ComputeGraph {
        let bytes = [10, 100, 10, 60, 10]
        let inputs = [[], ["t0"], ["t0"], ["t2"], ["t3"]]
        return try ComputeGraph(
            name: "five", tensors: bytes.indices.map { Tensor(name: "t\($0)", bytes: bytes[$0]) },
            layers: bytes.indices.map { Layer(name: "n\($0)", op: "opaque", inputs: inputs[$0], outputs: ["t\($0)"], time: 1) },
            outputs: ["t1", "t4"])
    }

    @Test func theIssuesGraph() throws {
        let g = try Self.five()
        let costs = try LayerCosts.make(for: g)
        for budget in [130, 120] {
            let baseline = try CheckpointPlanner.plan(g, costs: costs, budget: budget, solver: .bestBaseline)
            let ilp = try CheckpointPlanner.plan(g, costs: costs, budget: budget, solver: .ilp, options: ILPOptions(timeLimit: 5))
            #expect(ilp.simulation.computeCost <= baseline.simulation.computeCost)
            #expect(try PlanSimulator.replay(ilp.plan, on: g, costs: costs, budget: budget) == ilp.simulation)
        }
        // Below what any plan needs: the smallest feasible budget, not an internal error.
        #expect(throws: PlanError.infeasibleBudget(budgetBytes: 110, minimumBytes: 120, solver: "best-baseline")) {
            try CheckpointPlanner.plan(g, costs: costs, budget: 110, solver: .bestBaseline)
        }
    }

    @Test(arguments: Array(UInt64(1)...16))
    func ilpNeverLosesToABaseline(seed: UInt64) throws {
        let base = try RandomGraphs.layeredDAG(nodes: 8 + Int(seed % 8), seed: seed)
        // A middle tensor becomes a graph output too.
        let middle = base.tensors[base.tensors.count / 2].name
        let g = try ComputeGraph(name: base.name, tensors: base.tensors, layers: base.layers,
                                 outputs: [middle] + base.outputs.map { base.tensors[$0].name })
        let costs = try LayerCosts.make(for: g)
        for budget in try LifetimeSplittingTests.budgets(g, count: 4) {
            guard let baseline = try? CheckpointPlanner.plan(g, costs: costs, budget: budget, solver: .bestBaseline) else { continue }
            let ilp = try CheckpointPlanner.plan(g, costs: costs, budget: budget, solver: .ilp, options: ILPOptions(timeLimit: 5))
            #expect(ilp.simulation.computeCost <= baseline.simulation.computeCost + 1e-9, "\(g.name) at \(budget) B")
            #expect(try PlanSimulator.replay(ilp.plan, on: g, costs: costs, budget: budget) == ilp.simulation)
        }
    }
}
