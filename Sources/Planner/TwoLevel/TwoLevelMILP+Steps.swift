import Graph

extension TwoLevelMILP {
    /// The two-level plan of a solution. Per stage t:
    /// 1. drop what the stage does not read and the next stage does not keep (evict when a slow
    ///    copy will be loaded again, else free); load the stage's parameters not yet loaded (just
    ///    in time);
    /// 2. the stage's reruns, then its frontier, each followed by the frees it allows; right after
    ///    the first compute: the stage's offloads, the write-backs of parameters updated in the
    ///    previous stage, then the overlapped loads for stage t + 1 (parameters, then activations);
    /// 3. evict the parameters stage t + 1 does not hold.
    /// Transfers a solution pays for but does not need (an offload never loaded back, a load of a
    /// tensor the next stage does not keep) are left out: the plan only gets faster.
    func plan(from values: [Double], solver: String) -> Plan {
        let n = graph.layers.count
        func on(_ v: Variable?) -> Bool { v.map { values[$0.index] > 0.5 } ?? false }
        var fast = [Bool](repeating: false, count: graph.tensors.count)
        var slow = [Bool](repeating: false, count: graph.tensors.count)
        var stale = Set<TensorID>()
        let residentSet = Set(resident.filter { on($0.value) }.map(\.key))
        for (x, t) in graph.tensors.enumerated() {
            if t.kind == .input { fast[x] = true }
            if t.kind == .parameter { slow[x] = true; if residentSet.contains(x) { fast[x] = true } }
        }
        // Useful reloads: loaded during stage t and kept into t + 1.
        var usefulReload = Array(repeating: Set<TensorID>(), count: n)
        var lastReload = [Int](repeating: -1, count: graph.tensors.count)
        for t in 0..<n {
            for (x, l) in reload[t] where on(l) && on(stored[t + 1][x]) {
                usefulReload[t].insert(x)
                lastReload[x] = max(lastReload[x], t)
            }
        }
        func reloadedAfter(_ x: TensorID, _ t: Int) -> Bool { lastReload[x] >= t }
        let isOutput = Set(graph.outputs)
        func kept(_ x: TensorID, into t: Int) -> Bool { t <= n && on(stored[t][x]) }

        var steps: [PlanStep] = []
        func drop(_ x: TensorID, stage t: Int) {
            fast[x] = false
            if slow[x] && reloadedAfter(x, t) {
                steps.append(.evict(graph.tensors[x].name))
            } else {
                slow[x] = false
                steps.append(.free(graph.tensors[x].name))
            }
        }
        func load(_ x: TensorID) {
            fast[x] = true
            steps.append(.load(graph.tensors[x].name))
        }
        for t in 0..<n {
            let runs = rerun[t].filter { on($0.value) }.map(\.key).sorted() + [t]
            let readHere = Set(runs.flatMap { graph.layerInputs[$0] })
            let offloadsHere = Set(offload[t].filter { on($0.value) && reloadedAfter($0.key, t + 1) }.map(\.key))
            for x in graph.tensors.indices where graph.tensors[x].kind != .parameter {
                if fast[x] && !readHere.contains(x) && !kept(x, into: t + 1) && !offloadsHere.contains(x) {
                    drop(x, stage: t)
                } else if !fast[x] && slow[x] && !reloadedAfter(x, t) && !isOutput.contains(x) {
                    drop(x, stage: t)
                }
            }
            // Parameters not loaded during the previous stage: just in time.
            for q in parameters where !fast[q] && isPresent(q, t, values) { load(q) }
            for (i, k) in runs.enumerated() {
                for o in graph.layerOutputs[k] where fast[o] || slow[o] { drop(o, stage: t) }
                steps.append(.compute(graph.layers[k].name))
                for o in graph.layerOutputs[k] { fast[o] = true }
                if graph.layers[k].phase == .update {
                    for q in graph.layerInputs[k] where graph.tensors[q].kind == .parameter && !residentSet.contains(q) { stale.insert(q) }
                }
                if i == 0 {
                    for x in offloadsHere.sorted() {
                        fast[x] = false
                        slow[x] = true
                        steps.append(.offload(graph.tensors[x].name))
                    }
                    for q in parameters where stale.contains(q) && updateStage[q] == t - 1 {
                        fast[q] = false
                        stale.remove(q)
                        steps.append(.offload(graph.tensors[q].name))
                    }
                    // Λ is continuous: where the solution also loads q just in time, Λ is slack
                    // (and only its fraction of q's bytes was counted in this stage).
                    for q in parameters where !fast[q] && on(parameterLoad[t + 1][q]) && !(t + 1 < n && on(justInTimeLoad[t + 1][q]))
                        && isPresent(q, t + 1, values) && t + 1 < n { load(q) }
                    for x in usefulReload[t].sorted() where !fast[x] { load(x) }
                }
                let laterReads = Set(runs[(i + 1)...].flatMap { graph.layerInputs[$0] })
                for x in Set(graph.layerInputs[k] + graph.layerOutputs[k]) where fast[x] && graph.tensors[x].kind != .parameter {
                    if laterReads.contains(x) || kept(x, into: t + 1) || offloadsHere.contains(x) { continue }
                    drop(x, stage: t)
                }
            }
            for q in parameters where fast[q] && !residentSet.contains(q) && !stale.contains(q) && !isPresent(q, t + 1, values) {
                fast[q] = false
                steps.append(.evict(graph.tensors[q].name))
            }
        }
        // Parameters updated by the last stage are written back after it.
        for q in parameters where stale.contains(q) {
            steps.append(.offload(graph.tensors[q].name))
        }
        return Plan(graph: graph.name, solver: solver, budgetBytes: memory.fastBytes, steps: steps,
                    resident: residentSet.map { graph.tensors[$0].name }.sorted())
    }

    /// The program's assignment for the plan without recomputation or offloading that keeps
    /// `residentParameters` throughout and holds every other parameter exactly in the stages that
    /// read it — loaded one stage ahead when `overlapped`, else when the stage starts — or `nil`
    /// when that violates the program (it does not fit).
    func assignment(residentParameters: Set<TensorID>, overlapped: Bool) -> [Double]? {
        let n = graph.layers.count
        var values = [Double](repeating: 0, count: model.variables.count)
        var lastUse = [Int](repeating: -1, count: graph.tensors.count)
        for x in graph.tensors.indices {
            lastUse[x] = graph.consumers[x].last ?? -1
            if graph.outputs.contains(x) { lastUse[x] = n }
        }
        for t in 0...n {
            for (x, s) in stored[t] where t <= lastUse[x] { values[s.index] = 1 }
        }
        for (q, y) in resident { values[y.index] = residentParameters.contains(q) || forcedResident.contains(q) ? 1 : 0 }
        for t in 0..<n {
            for (q, p) in present[t] { values[p.index] = values[resident[q]!.index] == 1 || graph.layerInputs[t].contains(q) ? 1 : 0 }
        }
        for t in -1..<n {
            for (q, load) in parameterLoad[t + 1] {
                let before = t < 0 ? values[resident[q]!.index] : (isPresent(q, t, values) ? 1.0 : 0.0)
                let after = isPresent(q, t + 1, values) ? 1.0 : 0.0
                let arrives = max(0, after - before)
                if !overlapped, let jit = justInTimeLoad[t + 1][q] { values[jit.index] = arrives } else { values[load.index] = arrives }
            }
        }
        // Stage lengths: the larger of the stage's compute and transfer time.
        for (z, terms) in zip(stageLength, stageTerms) {
            values[z.index] = terms.transfers.reduce(terms.compute.value(at: values)) { max($0, $1.value(at: values)) }
        }
        return model.violation(of: values, tolerance: 1e-7) == nil ? values : nil
    }
}
