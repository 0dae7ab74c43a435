import Graph
import Testing
@testable import Planner

/// Every baseline's plan on many random graphs passes the simulator; budgets are honoured.
@Suite("Baselines")
struct BaselineTests {
    static let seeds: [UInt64] = Array(1...60)

    static func graphs(_ seed: UInt64) throws -> [ComputeGraph] {
        [try RandomGraphs.forward(layers: 6 + Int(seed % 20), seed: seed).training(),
         try RandomGraphs.trainingChain(length: 3 + Int(seed % 15), seed: seed)]
    }

    @Test(arguments: seeds)
    func everyPlanPassesTheSimulator(seed: UInt64) throws {
        for g in try Self.graphs(seed) {
            let costs = try LayerCosts.make(for: g)
            let all = try Baselines.checkpointAll(g, costs: costs)
            // Checkpoint-all: the keep-everything peak, every layer once.
            #expect(all.simulation.peakBytes == g.keepEverythingProfile().peakBytes)
            #expect(all.simulation.recomputeCost == 0)
            #expect(all.simulation.runs.allSatisfy { $0 == 1 })
            var schedules = [try Baselines.chenSqrtN(g, costs: costs), try Baselines.chenGreedy(g, costs: costs, budget: nil)]
            if ChainDynamicProgram(graph: g, costs: costs) != nil {
                schedules.append(try Baselines.revolve(g, costs: costs, budget: nil))
                // The fewest snapshots give the lowest peak revolve can reach; it is below checkpoint-all's.
                #expect(schedules.last!.simulation.peakBytes <= all.simulation.peakBytes)
            } else {
                #expect(throws: PlanError.self) { try Baselines.revolve(g, costs: costs, budget: nil) }
            }
            for s in schedules {
                // Re-replay the written plan from its names: what a user would verify.
                let replay = try PlanSimulator.replay(s.plan, on: g, costs: costs)
                #expect(replay == s.simulation)
                #expect(s.simulation.computeCost >= all.simulation.computeCost)
            }
            // DTR within a budget between the smallest single-layer need and the keep-everything
            // peak. DTR holds graph inputs while recomputation may need them, so with that much
            // more than the keep-everything peak it never evicts.
            let floor = minimumLayerFootprint(g)
            let inputBytes = g.tensors.filter { $0.kind == .input }.reduce(0) { $0 + $1.bytes }
            for fraction in [1.0, 0.8, 0.6] {
                let budget = max(floor, Int(Double(all.simulation.peakBytes) * fraction) + (fraction == 1.0 ? inputBytes : 0))
                do {
                    let d = try Baselines.dtr(g, costs: costs, budget: budget)
                    #expect(d.simulation.peakBytes <= budget)
                    #expect(try PlanSimulator.replay(d.plan, on: g, costs: costs, budget: budget) == d.simulation)
                    if fraction == 1.0 { #expect(d.simulation.recomputeCost == 0) }
                } catch {
                    guard case .infeasibleBudget(_, let minimum, _) = error else { throw error }
                    #expect(minimum > budget)
                }
            }
        }
    }

    @Test(arguments: [UInt64(3), 7, 11])
    func plannerHonoursBudgetsOrSaysWhatIsFeasible(seed: UInt64) throws {
        let g = try RandomGraphs.trainingChain(length: 12, seed: seed)
        let costs = try LayerCosts.make(for: g)
        let peak = try Baselines.checkpointAll(g, costs: costs).simulation.peakBytes
        for solver in CheckpointSolver.allCases {
            for budget in [peak, peak * 3 / 4, peak / 2, 1] {
                do {
                    let s = try CheckpointPlanner.plan(g, costs: costs, budget: budget, solver: solver)
                    #expect(s.simulation.peakBytes <= budget)
                    #expect(s.plan.summary?.peakBytes == s.simulation.peakBytes)
                } catch {
                    guard case .infeasibleBudget(let b, let minimum, _) = error else { throw error }
                    #expect(b == budget && minimum > budget)
                }
            }
        }
    }

    @Test func articulationPointsOfAChainAndADiamond() throws {
        let chain = try RandomGraphs.trainingChain(length: 5, seed: 1)
        #expect(chain.forwardArticulationPoints().map { chain.layers[$0].name } == ["f1", "f2", "f3", "f4", "f5"])
        // x → A → (B, C) → D → E: A, D and E separate the input from the end.
        let diamond = try ComputeGraph(name: "d", tensors: [
            Tensor(name: "x", bytes: 4, kind: .input), Tensor(name: "a", bytes: 4), Tensor(name: "b", bytes: 4),
            Tensor(name: "c", bytes: 4), Tensor(name: "d", bytes: 4), Tensor(name: "e", bytes: 4),
        ], layers: [
            Layer(name: "A", op: "relu", inputs: ["x"], outputs: ["a"]), Layer(name: "B", op: "relu", inputs: ["a"], outputs: ["b"]),
            Layer(name: "C", op: "relu", inputs: ["a"], outputs: ["c"]), Layer(name: "D", op: "add", inputs: ["b", "c"], outputs: ["d"]),
            Layer(name: "E", op: "relu", inputs: ["d"], outputs: ["e"]),
        ])
        #expect(diamond.forwardArticulationPoints().map { diamond.layers[$0].name } == ["A", "D", "E"])
    }

    /// The least memory any plan needs: the largest inputs + outputs of one layer, plus what must
    /// always be resident (parameters).
    func minimumLayerFootprint(_ g: ComputeGraph) -> Int {
        let params = g.tensors.filter { $0.kind == .parameter }.reduce(0) { $0 + $1.bytes }
        return params + g.layers.indices.map { l in
            (g.layerInputs[l] + g.layerOutputs[l]).filter { g.tensors[$0].kind != .parameter }.reduce(0) { $0 + g.tensors[$1].bytes }
        }.max()!
    }
}
