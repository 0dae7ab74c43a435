import Graph

extension CheckpointPlanner {
    /// The cheapest plan within the budget among DTR-style eviction policies other than DTR's
    /// own (``ScheduleBuilder/EvictionPolicy/variants``): the staleness weighted by an exponent
    /// 0–2, and the cost of the evicted inputs counted or not. An incumbent for the MILP, and the
    /// plan returned where the program is too large to build; `nil` when none fits.
    ///
    /// - Complexity: eight eviction runs, each O(L · R) for R resident tensors at an eviction.
    static func evictionSearch(_ graph: ComputeGraph, costs: LayerCosts, budget: Int) -> PlannedSchedule? {
        let keep = [Bool](repeating: true, count: graph.tensors.count)
        var best: PlannedSchedule?
        for policy in ScheduleBuilder.EvictionPolicy.variants where policy != .dtr {
            let name = "dtr-variant (staleness^\(policy.stalenessExponent)\(policy.countsEvictedInputs ? ", evicted inputs" : ""))"
            guard let p = try? Baselines.schedule(graph, costs: costs, keep: keep, solver: name, budget: budget, eviction: policy),
                  p.simulation.peakBytes <= budget else { continue }
            if best == nil || p.simulation.computeCost < best!.simulation.computeCost { best = p }
        }
        return best
    }
}
