import Graph

/// Two-level plans built from a one-level schedule by adding parameter residency, prefetches and
/// activation offloads: the baselines the two-level planners are measured against.
///
/// Every plan keeps the one-level schedule's compute order and frees, and adds:
/// - for each parameter not held resident, a `load` before every run of uses (consecutive layers
///   reading it share one load; an update layer writes it) and, after the run, an `evict` — or an `offload` when an update
///   layer rewrote it in place;
/// - with prefetching, each load placed right after the compute *before* the one that needs it, so
///   that the copy overlaps that compute (double buffering: the parameters of layer i+1 load while
///   layer i runs); without, right before the compute that needs it, after the previous layer's
///   parameters have been released (a single buffer);
/// - optionally, for every activation or gradient unused for at least `offloadGap` layers, an
///   `offload` after one use and a prefetched `load` before the next.
public enum StreamingBaselines {
    /// How a two-level plan is derived from the one-level schedule.
    public struct Policy: Sendable, Hashable {
        /// Parameters held in fast memory throughout (loaded once, before the step).
        public var resident: Set<TensorID>
        /// Issue each load one compute early (double buffering).
        public var prefetch: Bool
        /// Offload non-parameter tensors idle for at least this many computes (`nil`: never).
        public var offloadGap: Int?

        public init(resident: Set<TensorID> = [], prefetch: Bool = true, offloadGap: Int? = nil) {
            self.resident = resident
            self.prefetch = prefetch
            self.offloadGap = offloadGap
        }
    }

    /// The two-level plan for a one-level schedule (compute and free steps) under a policy.
    /// - Complexity: O(S + Σ operands) for S steps.
    public static func plan(_ graph: ComputeGraph, schedule: [PlanStep], policy: Policy, solver: String) -> Plan {
        // The compute steps, and the frees that follow each.
        var computes: [LayerID] = []
        var freesAfter: [[String]] = []
        var freesBefore: [String] = []
        for step in schedule {
            switch step {
            case .compute(let name):
                computes.append(graph.layerID(named: name)!)
                freesAfter.append([])
            case .free(let name):
                if freesAfter.isEmpty { freesBefore.append(name) } else { freesAfter[freesAfter.count - 1].append(name) }
            case .load, .evict, .offload:
                continue
            }
        }
        let m = computes.count
        // Where each tensor is used (read or written) by compute index.
        var uses = [[Int]](repeating: [], count: graph.tensors.count)
        for (k, l) in computes.enumerated() {
            for t in graph.layerInputs[l] + graph.layerOutputs[l] where uses[t].last != k { uses[t].append(k) }
        }
        var loadsBefore = [[TensorID]](repeating: [], count: m)    // to be in fast memory at compute k
        var releasesAfter = [[PlanStep]](repeating: [], count: m)  // after compute k
        var offloadsAfter = [[TensorID]](repeating: [], count: m)
        // Parameters: one load per run of uses (with prefetching, a one-layer pause does not end a
        // run: the release would come at the same compute as the next load).
        for (t, tensor) in graph.tensors.enumerated() where tensor.kind == .parameter && !policy.resident.contains(t) && !uses[t].isEmpty {
            var stale = false
            var runStart = uses[t][0]
            for (i, k) in uses[t].enumerated() {
                if graph.layers[computes[k]].phase == .update { stale = true }
                let next = i + 1 < uses[t].count ? uses[t][i + 1] : nil
                if let next, next - k <= (policy.prefetch ? 2 : 1) { continue }
                loadsBefore[runStart].append(t)
                releasesAfter[k].append(stale ? .offload(tensor.name) : .evict(tensor.name))
                stale = false
                if let next { runStart = next }
            }
        }
        // Activations and gradients idle for long enough: offload after a use, reload before the next.
        if let gap = policy.offloadGap {
            for (t, tensor) in graph.tensors.enumerated() where tensor.kind != .parameter && uses[t].count >= 2 {
                for (a, b) in zip(uses[t], uses[t].dropFirst()) where b - a >= gap {
                    // Not across a recomputation of it: the tensor must stay the same one.
                    guard !graph.layerOutputs[computes[b]].contains(t) else { continue }
                    offloadsAfter[a].append(t)
                    loadsBefore[b].append(t)
                }
            }
        }
        var steps: [PlanStep] = freesBefore.map { .free($0) }
        func loads(for k: Int) -> [PlanStep] { k < m ? loadsBefore[k].map { .load(graph.tensors[$0].name) } : [] }
        if policy.prefetch { steps += loads(for: 0) }
        for k in 0..<m {
            if !policy.prefetch { steps += loads(for: k) }
            steps.append(.compute(graph.layers[computes[k]].name))
            steps += offloadsAfter[k].map { .offload(graph.tensors[$0].name) }
            if policy.prefetch {
                // The previous layer has finished: release what it used last, then prefetch for the next.
                if k > 0 { steps += releasesAfter[k - 1] }
                steps += loads(for: k + 1)
                steps += freesAfter[k].map { .free($0) }
                if k == m - 1 { steps += releasesAfter[k] }
            } else {
                steps += freesAfter[k].map { .free($0) }
                steps += releasesAfter[k]
            }
        }
        return Plan(graph: graph.name, solver: solver, budgetBytes: nil, steps: steps,
                    resident: policy.resident.map { graph.tensors[$0].name }.sorted())
    }
}
