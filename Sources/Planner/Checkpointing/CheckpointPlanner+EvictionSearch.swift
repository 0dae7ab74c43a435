import Foundation
import Graph

extension CheckpointPlanner {
    /// The cheapest plan within the budget among DTR-style eviction policies other than DTR's
    /// own (``ScheduleBuilder/EvictionPolicy/variants``): the staleness weighted by an exponent
    /// 0–2, and the cost of the evicted inputs counted or not; then the best of them tuned by
    /// ``tunedEviction(_:costs:budget:from:policy:evaluations:timeLimit:runsPerTensor:temperature:seed:initialWeights:)``. An incumbent for the
    /// MILP, and the plan returned where the program is too large to build; `nil` when none fits.
    ///
    /// - Complexity: eight eviction runs, each O(L · R) for R resident tensors at an eviction,
    ///   and at most `evaluations` more for the tuning.
    static func evictionSearch(_ graph: ComputeGraph, costs: LayerCosts, budget: Int,
                               evaluations: Int = 0, timeLimit: Double? = nil) -> PlannedSchedule? {
        let start = ContinuousClock.now
        guard let best = cheapestVariant(graph, costs: costs, budget: budget,
                                         among: ScheduleBuilder.EvictionPolicy.variants.filter { $0 != .dtr },
                                         deadline: Deadline(secondsFromNow: timeLimit)) else { return nil }
        guard evaluations > 0 else { return best.plan }
        let left = timeLimit.map { $0 - (ContinuousClock.now - start).seconds }
        return tunedEviction(graph, costs: costs, budget: budget, from: best.plan, policy: best.policy,
                             evaluations: evaluations, timeLimit: left)
    }

    /// The eviction policy guided by a relaxation's solution, then tuned: every forward tensor's
    /// score factor starts at 1/4 where its layer reruns in `reruns` (evicted sooner) and at 4
    /// elsewhere (kept longer); the cheapest policy variant within the budget under those factors
    /// is tuned from them by
    /// ``tunedEviction(_:costs:budget:from:policy:evaluations:timeLimit:runsPerTensor:temperature:seed:initialWeights:)``.
    /// `nil` when no variant fits.
    ///
    /// The relaxation (``CheckpointRelaxation``) checks memory only at a few stages, so its
    /// solution is not a plan (ResNet-50 at 40%: its keep set, recomputed on demand, peaks at 1.6x
    /// the budget), but which layers it reruns is a good hint of which tensors are worth dropping:
    /// docs/benchmarks.md measures the tuned plan from it against the one from all ones.
    static func guidedEviction(_ graph: ComputeGraph, costs: LayerCosts, budget: Int, reruns: [Bool],
                               evaluations: Int, timeLimit: Double?) -> PlannedSchedule? {
        let start = ContinuousClock.now
        var weights = [Double](repeating: 1, count: graph.tensors.count)
        for t in graph.tensors.indices {
            guard let p = graph.producer[t], graph.layers[p].phase == .forward else { continue }
            weights[t] = reruns[p] ? 0.25 : 4
        }
        guard let best = cheapestVariant(graph, costs: costs, budget: budget, among: ScheduleBuilder.EvictionPolicy.variants,
                                         scoreWeights: weights, deadline: Deadline(secondsFromNow: timeLimit),
                                         label: { "\($0.variantName) guided by the relaxation" }) else { return nil }
        guard evaluations > 0 else { return best.plan }
        let left = timeLimit.map { $0 - (ContinuousClock.now - start).seconds }
        return tunedEviction(graph, costs: costs, budget: budget, from: best.plan, policy: best.policy,
                             evaluations: evaluations, timeLimit: left, initialWeights: weights)
    }

    /// The cheapest plan within the budget among `policies` (each run once with `scoreWeights`),
    /// labelled by `label`, with its policy; `nil` when none fits.
    private static func cheapestVariant(_ graph: ComputeGraph, costs: LayerCosts, budget: Int, among policies: [ScheduleBuilder.EvictionPolicy],
                                        scoreWeights: [Double]? = nil, deadline: Deadline = .none,
                                        label: (ScheduleBuilder.EvictionPolicy) -> String = { $0.variantName })
        -> (plan: PlannedSchedule, policy: ScheduleBuilder.EvictionPolicy)? {
        let keep = [Bool](repeating: true, count: graph.tensors.count)
        var best: (plan: PlannedSchedule, policy: ScheduleBuilder.EvictionPolicy)?
        for policy in policies {
            if deadline.hasPassed { break }
            guard let p = try? Baselines.schedule(graph, costs: costs, keep: keep, solver: label(policy), budget: budget,
                                                  eviction: policy, scoreWeights: scoreWeights, deadline: deadline),
                  p.simulation.peakBytes <= budget else { continue }
            if best == nil || p.simulation.computeCost < best!.plan.simulation.computeCost { best = (p, policy) }
        }
        return best
    }

    /// An eviction policy tuned to the graph: simulated annealing over per-tensor factors on the
    /// eviction score (``ScheduleBuilder/scoreWeights``), from `initialWeights` (all ones when
    /// `nil`). Each move multiplies one
    /// forward tensor's factor by 1/16, 1/4, 4 or 16 — half the time a tensor the current plan
    /// recomputes, otherwise any — and reruns the policy; a plan that fits the budget is accepted
    /// when it costs no more than the current one, or with probability exp(−Δ/T) when it costs Δ
    /// more, the temperature T falling linearly from `temperature` × the starting cost to 0 over
    /// the search's evaluations: `runsPerTensor` per forward tensor, at most `evaluations`. It
    /// stops early at `timeLimit` seconds, or after half its evaluations without a new best.
    /// Seeded, and scheduled by evaluations rather than time, so a run that is not stopped by the
    /// time limit is reproducible on any machine. An improved plan is labelled with `start`'s
    /// label and `, tuned (N improvements)`; otherwise `start` is returned as it is.
    ///
    /// The score is a heuristic with a few global parameters (DTR's cost / (bytes · staleness));
    /// on a given graph some tensors are worth keeping longer or evicting sooner than it says,
    /// which per-tensor factors express. Every candidate is replayed by the simulator. On
    /// ResNet-50 training at 40% (docs/benchmarks.md) `ilp`'s plan went from 1.069x to 1.057x
    /// checkpoint-all with it; accepting improving moves only ended 0.5–0.8% higher (20 s each).
    ///
    /// - Complexity: at most `evaluations` eviction runs (about 0.55 ms each for ResNet-50's 368
    ///   layers, release build).
    static func tunedEviction(_ graph: ComputeGraph, costs: LayerCosts, budget: Int, from start: PlannedSchedule,
                              policy: ScheduleBuilder.EvictionPolicy, evaluations: Int, timeLimit: Double?,
                              runsPerTensor: Int = 200, temperature: Double = 0.001, seed: UInt64 = 0x5EED,
                              initialWeights: [Double]? = nil) -> PlannedSchedule {
        let deadline = Deadline(secondsFromNow: timeLimit)
        let keep = [Bool](repeating: true, count: graph.tensors.count)
        let candidates = graph.tensors.indices.filter { t in graph.producer[t].map { graph.layers[$0].phase == .forward } ?? false }
        let evaluations = min(evaluations, runsPerTensor * candidates.count)
        guard !candidates.isEmpty, evaluations > 0 else { return start }
        let patience = evaluations / 2
        var weights = initialWeights ?? [Double](repeating: 1, count: graph.tensors.count)
        var best = start
        var current = start
        var moves = 0
        var sinceBest = 0
        var random = SplitMix64(seed: seed)
        let factors: [Double] = [1.0 / 16, 1.0 / 4, 4, 16]
        var recomputed = recomputedOutputs(of: current, on: graph)
        for evaluation in 0..<evaluations {
            if evaluation % 16 == 0, deadline.hasPassed { break }
            let done = Double(evaluation) / Double(evaluations)
            sinceBest += 1
            if sinceBest > patience { break }
            let threshold = temperature * (1 - done) * start.simulation.computeCost
            let pool = !recomputed.isEmpty && random.next() % 2 == 0 ? recomputed : candidates
            let t = pool[Int(random.next() % UInt64(pool.count))]
            let previous = weights[t]
            weights[t] *= factors[Int(random.next() % UInt64(factors.count))]
            guard let p = try? Baselines.schedule(graph, costs: costs, keep: keep, solver: "", budget: budget,
                                                  eviction: policy, scoreWeights: weights, deadline: deadline),
                  p.simulation.peakBytes <= budget else {
                weights[t] = previous
                continue
            }
            let worse = p.simulation.computeCost - current.simulation.computeCost
            let uniform = Double(random.next() >> 11) / Double(1 << 53)
            guard worse <= 0 || (threshold > 0 && uniform < exp(-worse / threshold)) else {
                weights[t] = previous
                continue
            }
            current = p
            recomputed = recomputedOutputs(of: current, on: graph)
            if p.simulation.computeCost < best.simulation.computeCost {
                moves += 1
                sinceBest = 0
                best = p
            }
        }
        guard moves > 0 else { return start }
        best.plan.solver = "\(start.plan.solver), tuned (\(moves) improvement\(moves == 1 ? "" : "s"))"
        return best
    }

    /// The forward tensors a plan computes more than once (from the simulator's run counts).
    private static func recomputedOutputs(of schedule: PlannedSchedule, on graph: ComputeGraph) -> [TensorID] {
        schedule.simulation.runs.indices.filter { schedule.simulation.runs[$0] > 1 && graph.layers[$0].phase == .forward }
            .flatMap { graph.layerOutputs[$0] }
    }
}

extension ScheduleBuilder.EvictionPolicy {
    /// The name plans made with this policy carry.
    var variantName: String {
        "dtr-variant (staleness^\(stalenessExponent)\(countsEvictedInputs ? ", evicted inputs" : ""))"
    }
}
