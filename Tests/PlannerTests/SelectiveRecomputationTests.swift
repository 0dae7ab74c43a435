import Graph
import Testing
@testable import Planner

/// Selective recomputation (`selective`): plans replay within their budget, never beat the
/// exhaustive optimum, match the best keep set on small graphs, drop what a hand count says is
/// cheapest, and stop at their deadline; the relaxation at pressure cuts stays a bound.
@Suite("Selective recomputation")
struct SelectiveRecomputationTests {
    static func graphs(_ seed: UInt64) throws -> [ComputeGraph] {
        [try RandomGraphs.forward(layers: 6 + Int(seed % 14), seed: seed).training(),
         try RandomGraphs.forward(layers: 12 + Int(seed % 10), seed: seed + 100, skip: 0.5).training(optimizer: .adam),
         try RandomGraphs.trainingChain(length: 3 + Int(seed % 12), seed: seed)]
    }

    @Test(arguments: Array(UInt64(1)...24))
    func plansReplayWithinTheBudget(seed: UInt64) throws {
        for g in try Self.graphs(seed) {
            let costs = try LayerCosts.make(for: g)
            let all = try Baselines.checkpointAll(g, costs: costs)
            var found = 0
            for budget in try LifetimeSplittingTests.budgets(g, count: 6) {
                do {
                    let s = try Baselines.selective(g, costs: costs, budget: budget)
                    found += 1
                    // Replayed again from the written plan, with the budget: what verify does.
                    let replay = try PlanSimulator.replay(s.plan, on: g, costs: costs, budget: budget)
                    #expect(replay == s.simulation)
                    #expect(s.simulation.computeCost >= all.simulation.computeCost - 1e-9)
                } catch {
                    // Only "does not fit", naming a peak above the budget that a plan reaches.
                    guard case .infeasibleBudget(let b, let minimum, "selective") = error else { throw error }
                    #expect(minimum > b)
                }
            }
            // At the keep-everything peak nothing is dropped: checkpoint-all's cost.
            let atPeak = try Baselines.selective(g, costs: costs, budget: all.simulation.peakBytes)
            #expect(atPeak.simulation.computeCost == all.simulation.computeCost, "\(g.name)")
            #expect(found >= 1)
        }
    }

    /// Never below the exhaustive optimum over every schedule; the ilp, which starts from it,
    /// never above it.
    @Test(arguments: Array(UInt64(1)...12))
    func neverBeatsTheExhaustiveOptimum(seed: UInt64) throws {
        let g = try RandomGraphs.trainingChain(length: 2 + Int(seed % 3), seed: seed * 7)
        let costs = try LayerCosts.make(for: g)
        for budget in try LifetimeSplittingTests.budgets(g, count: 5) {
            let exact = BruteForceSchedules.optimalCost(g, costs: costs.perLayer, budget: budget)
            guard let s = try? Baselines.selective(g, costs: costs, budget: budget) else { continue }
            let optimum = try #require(exact, "a plan exists at \(budget) B, so the exhaustive search must find one")
            #expect(s.simulation.computeCost >= optimum - 1e-9)
            let ilp = try CheckpointPlanner.plan(g, costs: costs, budget: budget, solver: .ilp, options: ILPOptions(timeLimit: 10))
            #expect(ilp.simulation.computeCost <= s.simulation.computeCost + 1e-9)
        }
    }

    /// Against every keep set (each forward tensor kept or dropped, 2^k schedules) on small
    /// training graphs: the search's plan is the cheapest keep set that fits in most cases and
    /// never a keep set that does not fit.
    @Test func matchesTheBestKeepSetOnSmallGraphs() throws {
        var cases = 0, optimal = 0
        for seed: UInt64 in 1...40 {
            let g = try RandomGraphs.forward(layers: 5 + Int(seed % 6), seed: seed).training()
            let costs = try LayerCosts.make(for: g)
            // Every forward tensor kept or dropped: the space of both of the solver's searches.
            let probe = SelectiveRecomputation(graph: g, costs: costs, budget: 0, deadline: .none, everyForwardTensor: true)
            let saved = g.tensors.indices.filter { probe.candidates[$0] }
            guard saved.count <= 12 else { continue }
            var base = [Bool](repeating: false, count: g.tensors.count)
            let recomputable = g.recomputableTensors()
            for t in g.tensors.indices where !recomputable[t] || g.outputs.contains(t) { base[t] = true }
            var sets: [(peak: Int, cost: Double)] = []
            for mask in 0..<(1 << saved.count) {
                var keep = base
                for (i, t) in saved.enumerated() where mask & (1 << i) != 0 { keep[t] = true }
                let search = SelectiveRecomputation(graph: g, costs: costs, budget: 0, deadline: .none)
                let e = try search.evaluate(keep)
                sets.append((e.peak, e.cost))
            }
            for budget in try LifetimeSplittingTests.budgets(g, count: 4) {
                let bestSet = sets.filter { $0.peak <= budget }.map(\.cost).min()
                guard let s = try? Baselines.selective(g, costs: costs, budget: budget) else {
                    continue
                }
                let best = try #require(bestSet, "selective found a keep set at \(budget) B, so one fits")
                #expect(s.simulation.computeCost >= best - 1e-9)
                cases += 1
                if s.simulation.computeCost <= best + 1e-9 { optimal += 1 }
            }
        }
        print("selective: the cheapest keep set in \(optimal) of \(cases) cases")
        #expect(cases >= 30)
        #expect(Double(optimal) >= 0.8 * Double(cases))
    }

    /// An attention block whose softmax output is large and cheap to rebuild: at a budget that
    /// needs exactly its bytes, the plan drops it and reruns the score chain once, at the cost a
    /// hand count gives (every layer once, plus scores, mask and softmax again).
    @Test func dropsTheAttentionScoresAtTheirRecomputeCost() throws {
        let s = 64, d = 8  // tokens, width: scores are s x s, the rest s x d
        // Forward and a hand-made backward: attend's needs probs and v, softmax's needs probs,
        // scores' needs q and k; the head's logits press on memory while probs waits.
        let b = try ComputeGraph(
            name: "attention-train", batch: 1,
            tensors: [
                Tensor(name: "x", shape: [s, d], kind: .input),
                Tensor(name: "wq", shape: [d, d], kind: .parameter),
                Tensor(name: "wk", shape: [d, d], kind: .parameter),
                Tensor(name: "wv", shape: [d, d], kind: .parameter),
                Tensor(name: "q", shape: [s, d]), Tensor(name: "k", shape: [s, d]), Tensor(name: "v", shape: [s, d]),
                Tensor(name: "scores", shape: [s, s]), Tensor(name: "masked", shape: [s, s]), Tensor(name: "probs", shape: [s, s]),
                Tensor(name: "out", shape: [s, d]),
                Tensor(name: "wh", shape: [d, 2 * s], kind: .parameter), Tensor(name: "logits", shape: [s, 2 * s]),
                Tensor(name: "out.grad", shape: [s, d], kind: .gradient), Tensor(name: "probs.grad", shape: [s, s], kind: .gradient),
                Tensor(name: "masked.grad", shape: [s, s], kind: .gradient), Tensor(name: "qk.grad", shape: [s, d], kind: .gradient),
            ],
            layers: [
                Layer(name: "q", op: "f", inputs: ["x", "wq"], outputs: ["q"], time: 10),
                Layer(name: "k", op: "f", inputs: ["x", "wk"], outputs: ["k"], time: 10),
                Layer(name: "v", op: "f", inputs: ["x", "wv"], outputs: ["v"], time: 10),
                Layer(name: "scores", op: "f", inputs: ["q", "k"], outputs: ["scores"], time: 7),
                Layer(name: "mask", op: "f", inputs: ["scores"], outputs: ["masked"], time: 1),
                Layer(name: "softmax", op: "f", inputs: ["masked"], outputs: ["probs"], time: 2),
                Layer(name: "attend", op: "f", inputs: ["probs", "v"], outputs: ["out"], time: 7),
                Layer(name: "head", op: "f", inputs: ["out", "wh"], outputs: ["logits"], time: 5),
                Layer(name: "loss", op: "f", inputs: ["logits"], outputs: ["out.grad"], phase: .backward, time: 1),
                Layer(name: "attend.backward", op: "b", inputs: ["out.grad", "probs", "v"], outputs: ["probs.grad"], phase: .backward, time: 14),
                Layer(name: "softmax.backward", op: "b", inputs: ["probs.grad", "probs"], outputs: ["masked.grad"], phase: .backward, time: 4),
                Layer(name: "scores.backward", op: "b", inputs: ["masked.grad", "q", "k"], outputs: ["qk.grad"], phase: .backward, time: 14),
            ],
            outputs: ["qk.grad"])
        let costs = try LayerCosts.make(for: b)
        let all = try Baselines.checkpointAll(b, costs: costs)
        // The budget: the peak with probs dropped, 4 KiB below checkpoint-all's. Making that room
        // otherwise takes two of q, k, v (2 KiB each): 20 of recomputation against the score
        // chain's 10.
        let search = SelectiveRecomputation(graph: b, costs: costs, budget: 0, deadline: .none)
        var keep = [Bool](repeating: true, count: b.tensors.count)
        keep[b.tensorID(named: "probs")!] = false
        for name in ["scores", "masked"] { keep[b.tensorID(named: name)!] = false }
        let dropped = try search.evaluate(keep)
        let budget = dropped.peak
        #expect(all.simulation.peakBytes - budget == 2 * s * d * 4)
        let plan = try Baselines.selective(b, costs: costs, budget: budget)
        // Dropping probs (the only saved activation large enough) reruns scores, mask, softmax.
        #expect(plan.simulation.computeCost == costs.onceEach + 7 + 1 + 2)
        #expect(plan.simulation.runs[b.layerID(named: "softmax")!] == 2)
        #expect(plan.simulation.runs[b.layerID(named: "q")!] == 1)
        _ = try PlanSimulator.replay(plan.plan, on: b, costs: costs, budget: budget)
    }

    /// The deadline holds: an already-passed deadline stops it at once with a clear error.
    @Test func stopsAtItsDeadline() throws {
        let g = try RandomGraphs.forward(layers: 40, seed: 3).training()
        let costs = try LayerCosts.make(for: g)
        let peak = try Baselines.checkpointAll(g, costs: costs).simulation.peakBytes
        #expect(throws: PlanError.deadlinePassed(solver: "selective")) {
            try Baselines.selective(g, costs: costs, budget: peak * 6 / 10, deadline: Deadline(secondsFromNow: 0))
        }
    }

    /// The relaxation at pressure cuts alone is a bound: never above the exhaustive optimum.
    @Test(arguments: Array(UInt64(1)...10))
    func pressureCutsGiveABound(seed: UInt64) throws {
        let g = try RandomGraphs.trainingChain(length: 2 + Int(seed % 3), seed: seed * 5)
        let costs = try LayerCosts.make(for: g)
        for budget in try CheckpointRelaxationTests.budgets(g, costs, [1.0, 0.8, 0.6, 0.45]) {
            let exhaustive = BruteForceSchedules.optimalCost(g, costs: costs.perLayer, budget: budget)
            for count in [1, 2, 3] {
                let cuts = CheckpointRelaxation.pressureCuts(graph: g, count: count)
                #expect(cuts.first == 0 && cuts == cuts.sorted() && Set(cuts).count == cuts.count && cuts.last! < g.layers.count)
                let r = CheckpointRelaxation(graph: g, costs: costs, budget: budget, cuts: cuts)
                let solution = try GLPKSolver().solve(r.model, options: SolverOptions(timeLimit: 30, relativeGap: 0))
                switch solution.status {
                case .optimal:
                    if let exhaustive { #expect(r.cost(fromObjective: solution.objective!) <= exhaustive + 1e-6) }
                case .infeasible:
                    #expect(exhaustive == nil)
                default:
                    Issue.record("relaxation not solved: \(solution.status)")
                }
            }
        }
    }
}
