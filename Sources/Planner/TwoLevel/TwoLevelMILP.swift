import Graph

/// The joint two-level program: recomputation, parameter residency and streaming, and activation
/// offloading decided together, minimizing total time. It extends the stage form of
/// ``CheckpointMILP`` (Checkmate, Jain et al., MLSys 2020) with the transfer decisions of
/// POET (Patil et al., "POET: Training Neural Networks on Tiny Devices with Integrated
/// Rematerialization and Paging", ICML 2022), whose program also pages tensors between two
/// memories, and prices stages by time in the double-buffered form: a stage lasts as long as its
/// computes or the transfers issued under them, whichever is longer.
///
/// Layers are taken in topological order; stage t ends with layer t's first run and may first
/// rerun earlier forward layers. Transfers issued in stage t are placed right after the stage's
/// first compute (they overlap the stage) and serve stage t + 1. Variables:
///
/// - `R[t][l] ∈ {0,1}`: forward layer l < t reruns in stage t;
/// - `S[t][x] ∈ {0,1}`: non-parameter tensor x has a fast copy when stage t starts;
/// - `W[t][x] ∈ {0,1}`: x is offloaded during stage t (a slow copy is written);
/// - `L[t][x] ∈ {0,1}`: x is loaded back during stage t, for stage t + 1;
/// - `A[t][x] ∈ [0,1]`: x has a slow copy in stage t (`A[t] ≥ A[t−1]`, `A[t] ≥ W[t−1]`);
/// - `y[q] ∈ {0,1}`: parameter q is resident throughout (loaded once, outside the step);
/// - `P[t][q] ∈ {0,1}`: q has a fast copy during stage t (`P ≥ y`; from ``prefetchDepth`` stages
///   before its first reader, so that a long load runs under several earlier stages), loaded during stage t − 1
///   (`Λ[t−1][q]`, overlapped, double buffering) or when stage t starts (`J[t][q]`, a single
///   buffer): `Λ[t−1][q] + J[t][q] ≥ P[t][q] − P[t−1][q]` (Λ[−1]: before the first compute);
/// - `z[t] ≥ 0`: the length of stage t.
///
/// Minimize `Λtime[−1] + Σ_t z[t]` subject to
///
/// - Checkmate's dependencies, storage and no-double-compute constraints, with transfers:
///   `S[t+1][x] ≤ S[t][x] − W[t][x] + R[t][p(x)] + L[t][x]`, `W[t][x] ≤ S[t][x]`,
///   `L[t][x] ≤ A[t][x]`, `L[t][x] + S[t][x] ≤ 1`, `R[t][p(x)] + A[t][x] ≤ 1`; an offload is
///   issued after the stage's first compute, so no rerun reading x runs in its offload stage
///   (`W[t][x] + R[t][k] ≤ 1`), and where the frontier reads x no rerun runs at all (the frontier
///   is then the first compute, and the copy reads x beside it);
/// - a layer that runs in stage t has its parameters: `P[t][q] = 1` for the frontier's,
///   `P[t][q] ≥ R[t][k]` for a rerun's;
/// - a streamed parameter updated in place in stage u is written back in stage u + 1 (its space
///   held through u + 2) and is not kept afterwards: `P[t][q] = y[q]` for t > u + 1;
/// - fast memory, for every stage t: `Σ b·S[t] + Σ b·L[t] + out(t) + Σ out(k)·R[t][k]
///   + Σ b·(P[t] + Λ[t]) ≤ C_fast` (every tensor the stage may hold at once, counted without the
///   frees inside the stage, so that the bound holds at every event; an offload of stage t − 1
///   still in flight when stage t starts is not counted: the replay's allocations wait for the
///   space it releases, which it does by the end of stage t − 1 in the stage timeline); slow memory:
///   `Σ b(params) + Σ b·A[t] ≤ C_slow`;
/// - time: with `jit(t) = Σ b·J[t] / B` the stage's just-in-time loads, which come first,
///   `z[t] ≥ jit(t) + cost(t) + Σ cost(k)·R[t][k]` and
///   `z[t] ≥ jit(t) + (Σ b·Λ[t] + Σ b·(W[t] + L[t]) + write-backs(t)) / B` with one copy engine;
///   with one per direction (``DeviceMemory/copyEngines``), loads and offloads apart:
///   `z[t] ≥ jit(t) + (Σ b·Λ[t] + Σ b·L[t]) / B` and `z[t] ≥ jit(t) + (Σ b·W[t] + write-backs(t)) / B`.
///
/// The stage lengths bound the replay from above: a transfer issued in stage t starts once the
/// stage's first compute has and the engine is free, so by induction everything of stage t ends
/// by `Σ_{u ≤ t} z[u]` and ``TimingSimulator`` measures at most the objective. The converse does
/// not hold (transfers may slide over several stages in a replay), so the program's bound is a
/// bound on plans of this stage form, not on every plan.
///
/// - Complexity: O(n²) rerun and storage variables, as ``CheckpointMILP``, plus O(n) transfer
///   variables per tensor and parameter.
struct TwoLevelMILP {
    let graph: ComputeGraph
    let costs: LayerCosts
    let memory: DeviceMemory
    let timeScale: Double
    let memoryScale: Double

    private(set) var model = LinearModel()
    private(set) var rerun: [[LayerID: Variable]]
    private(set) var stored: [[TensorID: Variable]]
    private(set) var offload: [[TensorID: Variable]]
    private(set) var reload: [[TensorID: Variable]]
    private(set) var slowCopy: [[TensorID: Variable]]
    private(set) var resident: [TensorID: Variable] = [:]
    /// P[t][q] for t in each parameter's window; outside it the parameter is present iff resident.
    private(set) var present: [[TensorID: Variable]]
    /// Λ[t + 1][q]: the load during stage t (index 0 is the load before the first compute).
    private(set) var parameterLoad: [[TensorID: Variable]]
    /// J[t][q]: q loaded when stage t starts, before its first compute (not overlapped).
    private(set) var justInTimeLoad: [[TensorID: Variable]]
    private(set) var stageLength: [Variable]
    /// What each stage length must cover: its compute and its transfer time (scaled).
    private(set) var stageTerms: [(compute: LinearExpression, transfers: [LinearExpression])] = []
    /// The stage of each parameter's in-place update, if any.
    let updateStage: [TensorID: Int]
    /// Parameters that must stay resident (read after their update).
    let forcedResident: Set<TensorID>
    let parameters: [TensorID]

    /// About how many variables the program would have, without building it (O(L + E)).
    static func estimatedSize(graph: ComputeGraph, allowsRecomputation: Bool) -> Int {
        let n = graph.layers.count
        let parameters = graph.tensors.filter { $0.kind == .parameter }.count
        if allowsRecomputation {
            // Storage and reruns as the one-level program, and up to three transfer variables per
            // stored tensor-stage and four per parameter-stage.
            return 4 * CheckpointMILP.estimatedSize(graph: graph) + 4 * parameters * n
        }
        var stages = 0
        let outputs = Set(graph.outputs)
        for x in graph.tensors.indices where graph.tensors[x].kind != .parameter {
            let last = outputs.contains(x) ? n : (graph.consumers[x].last ?? -1)
            stages += max(0, last - (graph.producer[x] ?? -1))
        }
        var parameterStages = 0
        for x in graph.tensors.indices where graph.tensors[x].kind == .parameter {
            if let first = graph.consumers[x].first, let last = graph.consumers[x].last { parameterStages += last - first + 2 + prefetchDepth }
        }
        return 4 * stages + 3 * parameterStages + n
    }

    /// How many stages before its first reader a streamed parameter may already be held, so that
    /// its load is issued up to `prefetchDepth + 1` stages ahead of its use.
    static let prefetchDepth = 2

    /// Whether forward layers may rerun; without, the program only decides residency and transfers
    /// on the checkpoint-all order, and is far smaller (no O(n²) rerun variables).
    let allowsRecomputation: Bool

    init(graph: ComputeGraph, costs: LayerCosts, memory: DeviceMemory, allowsRecomputation: Bool = true) {
        self.allowsRecomputation = allowsRecomputation
        self.graph = graph
        self.costs = costs
        self.memory = memory
        let n = graph.layers.count
        let nT = graph.tensors.count
        memoryScale = 1 / Double(max(memory.fastBytes, 1))
        let positive = costs.perLayer.filter { $0 > 0 }
        timeScale = positive.isEmpty ? 1 : Double(positive.count) / positive.reduce(0, +)
        let isForward = graph.layers.map { $0.phase == .forward }
        var isOutput = [Bool](repeating: false, count: nT)
        for t in graph.outputs { isOutput[t] = true }
        let recomputable = graph.recomputableTensors()
        var lastUse = [Int](repeating: -1, count: nT)
        for t in 0..<nT {
            lastUse[t] = graph.consumers[t].last ?? (graph.producer[t] ?? -1)
            if isOutput[t] { lastUse[t] = n }
        }
        let reach = allowsRecomputation ? graph.recomputationReach(lastUse: lastUse, isSource: recomputable.map { !$0 }) : lastUse
        // A non-parameter tensor's window: (producer, last], where last is its reach: its last
        // reader, or the last stage that may rerun a layer reading it (a graph input read by a
        // recomputed layer is held for it).
        func window(_ x: TensorID) -> ClosedRange<Int>? {
            let first = (graph.producer[x] ?? -1) + 1
            let last = min(reach[x], n)
            return first <= last ? first...last : nil
        }

        rerun = Array(repeating: [:], count: n)
        stored = Array(repeating: [:], count: n + 1)
        offload = Array(repeating: [:], count: n)
        reload = Array(repeating: [:], count: n)
        slowCopy = Array(repeating: [:], count: n + 1)
        present = Array(repeating: [:], count: n + 1)
        parameterLoad = Array(repeating: [:], count: n + 1)
        justInTimeLoad = Array(repeating: [:], count: n + 1)
        stageLength = []

        // Reruns; never after an update has changed a parameter the layer reads.
        var firstUpdate = [Int](repeating: n, count: n)
        for (l, layer) in graph.layers.enumerated() where layer.phase == .update {
            for q in graph.layerInputs[l] where graph.tensors[q].kind == .parameter {
                for k in graph.consumers[q] where isForward[k] { firstUpdate[k] = min(firstUpdate[k], l) }
            }
        }
        for t in 0..<n {
            for l in 0..<t where allowsRecomputation && isForward[l] && t <= firstUpdate[l] && graph.layerOutputs[l].contains(where: { reach[$0] >= t }) {
                rerun[t][l] = model.addVariable("R[\(t)][\(graph.layers[l].name)]", .binary)
            }
        }
        // Storage, offload, reload, slow copy.
        for x in 0..<nT where graph.tensors[x].kind != .parameter {
            guard let w = window(x) else { continue }
            let name = graph.tensors[x].name
            for t in w { stored[t][x] = model.addVariable("S[\(t)][\(name)]", .binary) }
            if graph.producer[x] == nil { model.add(LinearExpression(stored[0][x]!) >= 1, name: "input \(name)") }
            if isOutput[x] { model.add(LinearExpression(stored[n][x]!) >= 1, name: "output \(name)") }
            guard graph.tensors[x].bytes > 0 else { continue }
            for t in w where t < n && t < w.upperBound {
                if lastUse[x] > t {
                    let w = model.addVariable("W[\(t)][\(name)]", .binary)
                    offload[t][x] = w
                    // Read by the frontier: offloaded right after it, the stage's first compute
                    // (the copy reads x beside it), so no rerun comes first.
                    if graph.layerInputs[t].contains(x) { for r in rerun[t].values { model.add(LinearExpression(w) + r <= 1) } }
                }
                if t >= w.lowerBound + 1 { reload[t][x] = model.addVariable("L[\(t)][\(name)]", .binary) }
            }
            for t in w where t >= w.lowerBound + 1 { slowCopy[t][x] = model.addVariable("A[\(t)][\(name)]", .continuous, lower: 0, upper: 1) }
        }

        // Dependencies of every layer that may run in stage t (parameters below).
        for t in 0..<n {
            for k in Array(rerun[t].keys).sorted() + [t] {
                let runs: LinearExpression = k == t ? LinearExpression(constant: 1) : LinearExpression(rerun[t][k]!)
                for x in graph.layerInputs[k] where graph.tensors[x].kind != .parameter {
                    var available = LinearExpression()
                    if let s = stored[t][x] { available.add(s) }
                    if let p = graph.producer[x], let r = rerun[t][p], p < k { available.add(r) }
                    model.add(runs <= available, name: "dep \(graph.layers[k].name) on \(graph.tensors[x].name) in \(t)")
                    if k != t, let w = offload[t][x] { model.add(LinearExpression(w) + rerun[t][k]! <= 1) }
                }
            }
        }
        // Storage with transfers.
        for x in 0..<nT where graph.tensors[x].kind != .parameter {
            let p = graph.producer[x]
            for t in 1..<(n + 1) {
                guard let s = stored[t][x] else { continue }
                if p == t - 1 { continue }  // written by the previous stage's frontier
                var source = LinearExpression()
                if let prev = stored[t - 1][x] { source.add(prev) }
                if let w = offload[t - 1][x] { source.add(w, coefficient: -1) }
                if let p, let r = rerun[t - 1][p] { source.add(r) }
                if let l = reload[t - 1][x] { source.add(l) }
                model.add(LinearExpression(s) <= source, name: "store \(graph.tensors[x].name) into \(t)")
            }
            for t in 0..<n {
                if let w = offload[t][x] { model.add(LinearExpression(w) <= LinearExpression(stored[t][x]!)) }
                if let l = reload[t][x] {
                    model.add(LinearExpression(l) + stored[t][x]! <= 1)
                    model.add(LinearExpression(l) <= LinearExpression(slowCopy[t][x]!))
                }
                if let p, let r = rerun[t][p] {
                    if let s = stored[t][x] { model.add(r + s <= 1, name: "no rerun over \(graph.tensors[x].name) in \(t)") }
                    if let a = slowCopy[t][x] { model.add(r + a <= 1, name: "no rerun over the slow copy of \(graph.tensors[x].name) in \(t)") }
                }
            }
            for t in 1..<(n + 1) {
                guard let a = slowCopy[t][x] else { continue }
                var upper = LinearExpression()
                if let prev = slowCopy[t - 1][x] {
                    model.add(LinearExpression(a) - prev >= 0)
                    upper.add(prev)
                }
                if let w = offload[t - 1][x] {
                    model.add(LinearExpression(a) - w >= 0)
                    upper.add(w)
                }
                model.add(LinearExpression(a) <= upper)
            }
        }

        // Parameters: their window is from the first reader to the last stage a reader may run.
        let parameters = graph.tensors.indices.filter { graph.tensors[$0].kind == .parameter }
        self.parameters = parameters
        var updateStage: [TensorID: Int] = [:]
        var forced = Set<TensorID>()
        var windowOf: [TensorID: ClosedRange<Int>] = [:]
        for q in parameters {
            let readers = graph.consumers[q]
            guard let first = readers.first else { continue }
            var last = readers.last!
            for k in readers where isForward[k] {
                last = max(last, graph.layerOutputs[k].map { min(reach[$0], n - 1) }.max() ?? k)
            }
            if let u = readers.first(where: { graph.layers[$0].phase == .update }) {
                updateStage[q] = u
                if readers.contains(where: { $0 > u }) { forced.insert(q) } else { last = u }  // no rerun reads it after u
            }
            // Held up to `prefetchDepth` stages before its first reader: a load too long for the
            // stage before may start earlier and run under several stages' computes.
            windowOf[q] = max(0, first - Self.prefetchDepth)...last
        }
        self.updateStage = updateStage
        self.forcedResident = forced
        for q in parameters where windowOf[q] != nil {
            let name = graph.tensors[q].name
            let y = model.addVariable("y[\(name)]", .binary)
            resident[q] = y
            if forced.contains(q) { model.add(LinearExpression(y) >= 1, name: "resident \(name) (read after its update)") }
            for t in windowOf[q]! {
                let v = model.addVariable("P[\(t)][\(name)]", .binary)
                present[t][q] = v
                model.add(LinearExpression(v) - y >= 0)
                if graph.layerInputs[t].contains(q) { model.add(LinearExpression(v) >= 1) }
                for (k, r) in rerun[t] where graph.layerInputs[k].contains(q) { model.add(LinearExpression(v) - r >= 0) }
            }
        }
        // Presence of q in stage t, as an expression (constant outside its window).
        let presentVariables = present, residentVariables = resident
        func presence(_ q: TensorID, _ t: Int) -> LinearExpression {
            TwoLevelMILP.presence(q, t, n: n, present: presentVariables, resident: residentVariables, updateStage: updateStage, forced: forced)
        }
        for q in parameters where windowOf[q] != nil {
            let w = windowOf[q]!
            for t in (w.lowerBound - 1)..<w.upperBound {
                let load = model.addVariable("Λ[\(t)][\(graph.tensors[q].name)]", .continuous, lower: 0, upper: 1)
                parameterLoad[t + 1][q] = load
                var presenceBefore = presence(q, t)
                if t < 0 { presenceBefore = LinearExpression(resident[q]!) }
                var arrivals = LinearExpression(load)
                if t + 1 >= 1 {
                    // Or loaded just in time, when stage t + 1 starts (a single buffer).
                    let jit = model.addVariable("J[\(t + 1)][\(graph.tensors[q].name)]", .binary)
                    justInTimeLoad[t + 1][q] = jit
                    arrivals.add(jit)
                }
                model.add(arrivals - presence(q, t + 1) + presenceBefore >= 0)
            }
        }

        // Fast memory in every stage, and the stage lengths.
        var objective = LinearExpression()
        let seconds = timeScale / memory.bandwidth
        for q in parameters {
            if let load = parameterLoad[0][q] { objective.add(load, coefficient: Double(graph.tensors[q].bytes) * seconds) }
        }
        let slowLimited = memory.slowBytes < Int.max / 2
        let parameterBytes = Double(parameters.reduce(0) { $0 + graph.tensors[$1].bytes })
        let scale = memoryScale, tensors = graph.tensors
        func bytes(_ x: TensorID) -> Double { Double(tensors[x].bytes) * scale }
        for t in 0..<n {
            var fast = LinearExpression()
            for (x, s) in stored[t] { fast.add(s, coefficient: bytes(x)) }
            for (x, l) in reload[t] { fast.add(l, coefficient: bytes(x)) }
            fast.constant += graph.layerOutputs[t].reduce(0) { $0 + bytes($1) }
            for (k, r) in rerun[t] { fast.add(r, coefficient: graph.layerOutputs[k].reduce(0) { $0 + bytes($1) }) }
            // Copy time in the stage: loads, and offloads with write-backs (one engine, or one each).
            var loads = LinearExpression(), offloads = LinearExpression()
            for q in parameters {
                fast.add(presence(q, t), scale: bytes(q))
                if let load = parameterLoad[t + 1][q] {
                    fast.add(load, coefficient: bytes(q))
                    loads.add(load, coefficient: Double(graph.tensors[q].bytes) * seconds)
                }
                // A write-back's space is held until its copy ends, at the latest in the next stage.
                if let u = updateStage[q], !forced.contains(q), t == u + 2 {
                    fast.add(LinearExpression(constant: 1) - resident[q]!, scale: bytes(q))
                }
                if let u = updateStage[q], !forced.contains(q), t == u + 1 {
                    offloads.add(LinearExpression(constant: 1) - resident[q]!, scale: Double(graph.tensors[q].bytes) * seconds)
                }
            }
            model.add(fast <= 1, name: "fast memory in stage \(t)")
            for (x, w) in offload[t] { offloads.add(w, coefficient: Double(graph.tensors[x].bytes) * seconds) }
            for (x, l) in reload[t] { loads.add(l, coefficient: Double(graph.tensors[x].bytes) * seconds) }
            var compute = LinearExpression(constant: costs.perLayer[t] * timeScale)
            for (k, r) in rerun[t] { compute.add(r, coefficient: costs.perLayer[k] * timeScale) }
            // Just-in-time loads come first: the stage's computes and its overlapped transfers follow.
            var justInTime = LinearExpression()
            for (q, jit) in justInTimeLoad[t] { justInTime.add(jit, coefficient: Double(graph.tensors[q].bytes) * seconds) }
            compute.add(justInTime)
            let transfers = memory.hasEnginePerDirection ? [justInTime + loads, justInTime + offloads] : [justInTime + loads + offloads]
            let z = model.addVariable("z[\(t)]", .continuous, lower: 0, upper: nil)
            stageLength.append(z)
            stageTerms.append((compute, transfers))
            model.add(LinearExpression(z) - compute >= 0)
            for transfer in transfers { model.add(LinearExpression(z) - transfer >= 0) }
            objective.add(z)
            if slowLimited && !slowCopy[t].isEmpty {
                var slow = LinearExpression(constant: parameterBytes / Double(memory.slowBytes))
                for (x, a) in slowCopy[t] { slow.add(a, coefficient: Double(graph.tensors[x].bytes) / Double(memory.slowBytes)) }
                model.add(slow <= 1, name: "slow memory in stage \(t)")
            }
        }
        model.minimize(objective)
    }

    /// Presence of parameter q in stage t: its variable in its window; outside, 1 in the stage
    /// after its update when it is written back, else its residency.
    static func presence(_ q: TensorID, _ t: Int, n: Int, present: [[TensorID: Variable]], resident: [TensorID: Variable],
                         updateStage: [TensorID: Int], forced: Set<TensorID>) -> LinearExpression {
        if t >= 0, t < n, let v = present[t][q] { return LinearExpression(v) }
        if let u = updateStage[q], t == u + 1, !forced.contains(q) { return LinearExpression(constant: 1) }  // writing back
        guard let y = resident[q] else { return LinearExpression() }
        return LinearExpression(y)
    }

    /// Presence of parameter q in stage t under a solution.
    func isPresent(_ q: TensorID, _ t: Int, _ values: [Double]) -> Bool {
        TwoLevelMILP.presence(q, t, n: graph.layers.count, present: present, resident: resident, updateStage: updateStage,
                              forced: forcedResident).value(at: values) > 0.5
    }

    /// Seconds from a value of the objective.
    func seconds(fromObjective objective: Double) -> Double { objective / timeScale }
}
