import Graph

extension CheckpointPlanner {
    /// The largest batch whose training step one solver can plan within `memory` bytes
    /// (Checkmate's maximum-batch experiment), with that plan.
    ///
    /// The forward graph is rescaled (``ComputeGraph/rescaled(batch:)``), turned into a training
    /// graph and planned at each probe: doubling until a batch does not fit, then bisecting.
    /// Memory is assumed to grow with the batch. Returns `nil` when even batch 1 does not fit.
    /// - Parameter costsFor: prices each probe's graph (FLOPs by default).
    public static func largestBatch(
        _ forward: ComputeGraph, memory: Int, solver: CheckpointSolver, optimizer: Optimizer? = nil, options: ILPOptions = ILPOptions(),
        limit: Int = 1 << 16, costsFor: (ComputeGraph) throws(PlanError) -> LayerCosts = { g throws(PlanError) in try LayerCosts.make(for: g) }
    ) throws(PlanError) -> (batch: Int, plan: PlannedSchedule)? {
        guard forward.batch != nil else { throw .invalidRequest("graph '\(forward.name)' has no \"batch\" field, so its batch cannot be varied") }
        func probe(_ b: Int) throws(PlanError) -> PlannedSchedule? {
            let graph: ComputeGraph
            do {
                graph = try forward.rescaled(batch: b).training(optimizer: optimizer)
            } catch {
                throw .invalidRequest(error.description)
            }
            do {
                return try plan(graph, costs: costsFor(graph), budget: memory, solver: solver, options: options)
            } catch {
                if case .infeasibleBudget = error { return nil }
                throw error
            }
        }
        guard var best = try probe(1) else { return nil }
        var lo = 1, hi = 2
        while hi <= limit, let p = try probe(hi) {
            best = p
            lo = hi
            hi *= 2
        }
        if hi > limit { return (lo, best) }
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2
            if let p = try probe(mid) { best = p; lo = mid } else { hi = mid }
        }
        return (lo, best)
    }
}
