import Graph

/// The optimal-checkpointing mixed-integer program, in the frontier-advancing form of Checkmate
/// (Jain et al., "Checkmate: Breaking the Memory Wall with Optimal Tensor Rematerialization",
/// MLSys 2020), adapted to graphs whose layers read and write several tensors.
///
/// Layers are taken in topological order; stage t ends by running layer t for the first time
/// (the frontier) and may first rerun earlier forward layers. Variables:
///
/// - `R[t][l] ∈ {0,1}`: forward layer l < t reruns in stage t;
/// - `S[t][x] ∈ {0,1}`: tensor x is resident when stage t starts (x written by a forward layer, or a
///   graph input; gradients and other tensors written by backward layers are resident exactly from
///   their producer to their last reader and are constants);
/// - `F[t][x][k] ∈ [0,1]`: x is freed right after layer k reruns in stage t;
/// - `U[t][k] ≥ 0`: bytes resident while layer k runs in stage t.
///
/// Minimize Σ_t Σ_l cost(l)·R[t][l] (plus the constant cost of every frontier) subject to
///
/// - dependencies: a layer that runs in stage t reads x only if x is resident at the stage's start
///   or its producer ran earlier in the stage: `R[t][k] ≤ S[t][x] + R[t][p(x)]` (and with `R[t][t] = 1`);
/// - storage: `S[t+1][x] ≤ S[t][x] + R[t][p(x)]` (inputs: `S[t+1][x] ≤ S[t][x]`, `S[0][x] = 1`);
///   graph outputs are resident at the end;
/// - a layer does not run while its output is resident: `R[t][p(x)] + S[t][x] ≤ 1`;
/// - frees: `F[t][x][k] ≤ R[t][k]`, `F[t][x][k] ≤ 1 − S[t+1][x]`, `F[t][x][k] ≤ 1 − R[t][j]` for every
///   later reader j of x in the stage (no F when the frontier reads x);
/// - memory: `U[t][k₀] = C_t + Σ_x b(x)·S[t][x] + b(k₀)·R[t][k₀]`,
///   `U[t][k] = U[t][k⁻] − Σ_x b(x)·F[t][x][k⁻] + b(k)·R[t][k]`, and `U[t][k] ≤ budget`, where C_t
///   counts the parameters and the constant tensors resident in stage t.
///
/// Reductions that keep the optimum: a forward layer may rerun in stage t only if some tensor
/// recomputable from its outputs is read at or after t (its *reach*); S exists only within a
/// tensor's reach; frees are only needed after reruns (after the frontier the stage ends).
/// Parameters stay resident throughout, as in every planner here.
///
/// - Complexity: O(n²) rerun and storage variables and O(n·E) free variables in the worst case,
///   far fewer on training graphs because of the reach reduction.
struct CheckpointMILP {
    let graph: ComputeGraph
    let costs: LayerCosts
    let budget: Int
    let memoryScale: Double
    let costScale: Double

    private(set) var model = LinearModel()
    /// R[t]: rerun variable of each forward layer l < t.
    private(set) var rerun: [[LayerID: Variable]]
    /// S[t]: storage variable of each tensor, for t in 0...n.
    private(set) var stored: [[TensorID: Variable]]
    /// Frees after each rerun position: (stage, position layer, tensor, variable).
    private(set) var frees: [[LayerID: [(TensorID, Variable)]]]
    /// U[t][k] for every position of every stage.
    private(set) var usage: [[(LayerID, Variable)]]
    /// The constraints that define U (in terms of S, R, F and the previous U).
    private(set) var usageRows: [Int] = []
    /// Whether the program minimizes the peak (U bounded by a peak variable, not by 1).
    let minimizesPeak: Bool
    /// Cost of running every layer once.
    let frontierCost: Double

    /// Tensors whose residency is fixed (written by a backward or update layer): resident in
    /// stages (producer, lastUse].
    let fixedRange: [ClosedRange<Int>?]
    /// Bytes resident in stage t whatever the plan: parameters and constant tensors.
    let stageConstant: [Double]

    /// How many rerun, storage and free variables the program would have, computed without
    /// building it (O(L + E)): to decline sizes that would exhaust memory or time.
    static func estimatedSize(graph: ComputeGraph) -> Int {
        let form = StageForm(graph: graph)
        var reruns = 0, stores = 0, frees = 0
        for l in graph.layers.indices {
            guard let last = form.lastRerunStage(l) else { continue }
            reruns += last - l
            frees += (last - l) * (graph.layerInputs[l].count + graph.layerOutputs[l].count)
        }
        for x in graph.tensors.indices { stores += form.residentStages(x)?.count ?? 0 }
        return reruns * 2 + stores + frees  // reruns also get a usage variable each
    }

    /// Builds the program.
    /// - Parameter minimizePeak: instead of the cost under the budget, minimize the peak (the
    ///   budget then only scales the numbers): used to find the smallest feasible budget.
    init(graph: ComputeGraph, costs: LayerCosts, budget: Int, minimizePeak: Bool = false) {
        self.graph = graph
        self.costs = costs
        self.budget = budget
        minimizesPeak = minimizePeak
        let n = graph.layers.count
        let nT = graph.tensors.count
        memoryScale = 1 / Double(max(budget, 1))
        let positive = costs.perLayer.filter { $0 > 0 }
        costScale = positive.isEmpty ? 1 : Double(positive.count) / positive.reduce(0, +)
        frontierCost = costs.onceEach

        let form = StageForm(graph: graph)
        let isOutput = form.isOutput
        let fixedRange = form.fixedRange
        self.fixedRange = fixedRange

        rerun = Array(repeating: [:], count: n)
        stored = Array(repeating: [:], count: n + 1)
        frees = Array(repeating: [:], count: n)
        usage = Array(repeating: [], count: n)

        // Storage variables.
        for x in 0..<nT {
            guard let stages = form.residentStages(x) else { continue }
            for t in stages { stored[t][x] = model.addVariable("S[\(t)][\(graph.tensors[x].name)]", .binary) }
            if graph.producer[x] == nil {
                model.add(LinearExpression(stored[0][x]!) >= 1)
            } else if isOutput[x], let s = stored[n][x] {
                model.add(LinearExpression(s) >= 1, name: "output \(graph.tensors[x].name)")
            }
        }
        // Rerun variables.
        let lastRerun = graph.layers.indices.map { form.lastRerunStage($0) ?? -1 }
        for t in 0..<n {
            for l in 0..<t where lastRerun[l] >= t {
                rerun[t][l] = model.addVariable("R[\(t)][\(graph.layers[l].name)]", .binary)
            }
        }

        // Dependencies, for every layer that may run in stage t.
        for t in 0..<n {
            for k in Array(rerun[t].keys).sorted() + [t] {
                let runs: LinearExpression = k == t ? LinearExpression(constant: 1) : LinearExpression(rerun[t][k]!)
                for x in graph.layerInputs[k] {
                    let tensor = graph.tensors[x]
                    if tensor.kind == .parameter { continue }
                    if let range = fixedRange[x] {
                        if !range.contains(t) { model.add(runs <= 0, name: "unavailable \(tensor.name) for \(graph.layers[k].name) in \(t)") }
                        continue
                    }
                    var available = LinearExpression()
                    if let s = stored[t][x] { available.add(s) }
                    if let p = graph.producer[x], let r = rerun[t][p], p < k { available.add(r) }
                    model.add(runs <= available, name: "dep \(graph.layers[k].name) on \(tensor.name) in \(t)")
                }
            }
        }
        // Storage and no-double-compute.
        for x in 0..<nT {
            for t in 1..<(n + 1) {
                guard let s = stored[t][x] else { continue }
                var source = LinearExpression()
                if let prev = stored[t - 1][x] { source.add(prev) }
                if let p = graph.producer[x] {
                    if p == t - 1 { continue }  // written by the previous stage's frontier
                    if let r = rerun[t - 1][p] { source.add(r) }
                }
                model.add(LinearExpression(s) <= source, name: "store \(graph.tensors[x].name) into \(t)")
            }
            if let p = graph.producer[x] {
                for t in 0..<n {
                    if let r = rerun[t][p], let s = stored[t][x] { model.add(r + s <= 1, name: "no rerun over \(graph.tensors[x].name) in \(t)") }
                }
            }
        }

        // Memory. C_t: parameters and the constant tensors resident in stage t.
        let stageConstant = form.stageConstant
        self.stageConstant = stageConstant
        var peak: Variable?
        if minimizePeak { peak = model.addVariable("peak", .continuous, lower: 0, upper: nil) }
        for t in 0..<n {
            let constant = stageConstant[t]
            var previous: Variable?
            var pendingFrees = LinearExpression()
            let positions = Array(rerun[t].keys).sorted() + [t]
            for (i, k) in positions.enumerated() {
                let u = model.addVariable("U[\(t)][\(graph.layers[k].name)]", .continuous, lower: 0, upper: minimizePeak ? nil : 1)
                var definition = LinearExpression()
                if let previous {
                    definition.add(previous)
                    definition.add(pendingFrees, scale: -1)
                } else {
                    definition.constant += constant * memoryScale
                    for (x, s) in stored[t] { definition.add(s, coefficient: Double(graph.tensors[x].bytes) * memoryScale) }
                }
                let outBytes = scaledOutputBytes(k)
                if k == t { definition.constant += outBytes } else { definition.add(rerun[t][k]!, coefficient: outBytes) }
                model.add(LinearExpression(u) - definition == 0, name: "U[\(t)][\(k)]")
                usageRows.append(model.constraints.count - 1)
                if let peak { model.add(LinearExpression(u) <= LinearExpression(peak)) }
                usage[t].append((k, u))
                previous = u
                pendingFrees = LinearExpression()
                // Frees after a rerun (not after the frontier: the stage ends there).
                guard k != t else { continue }
                let later = positions[(i + 1)...]
                var list: [(TensorID, Variable)] = []
                for x in Set(graph.layerInputs[k] + graph.layerOutputs[k]) {
                    let tensor = graph.tensors[x]
                    if tensor.kind == .parameter || fixedRange[x] != nil { continue }
                    let laterReaders = later.filter { j in graph.layerInputs[j].contains(x) }
                    if laterReaders.contains(t) { continue }
                    let f = model.addVariable("F[\(t)][\(tensor.name)][\(graph.layers[k].name)]", .continuous, lower: 0, upper: 1)
                    model.add(LinearExpression(f) <= LinearExpression(rerun[t][k]!))
                    if let next = stored[t + 1][x] { model.add(LinearExpression(f) + next <= 1) }
                    for j in laterReaders { model.add(LinearExpression(f) + rerun[t][j]! <= 1) }
                    pendingFrees.add(f, coefficient: Double(tensor.bytes) * memoryScale)
                    list.append((x, f))
                }
                frees[t][k] = list
            }
        }

        // Objective.
        if let peak {
            var objective = LinearExpression(peak)
            // A tiny cost term breaks ties towards less recomputation.
            for t in 0..<n { for (l, r) in rerun[t] { objective.add(r, coefficient: 1e-6 * costs.perLayer[l] * costScale) } }
            model.minimize(objective)
        } else {
            var objective = LinearExpression(constant: frontierCost * costScale)
            for t in 0..<n { for (l, r) in rerun[t] { objective.add(r, coefficient: costs.perLayer[l] * costScale) } }
            model.minimize(objective)
        }
    }

    /// The plan's cost from a solution's objective.
    func cost(fromObjective objective: Double) -> Double { objective / costScale }

    /// Steps from a solution: each stage's reruns and frontier in topological order, every tensor
    /// freed as soon as nothing later in the stage reads it and the next stage does not keep it.
    func steps(from values: [Double]) -> [ResolvedStep] {
        let n = graph.layers.count
        var steps: [ResolvedStep] = []
        var resident = [Bool](repeating: false, count: graph.tensors.count)
        for (x, t) in graph.tensors.enumerated() where t.kind == .input || t.kind == .parameter { resident[x] = true }
        func keptInto(_ t: Int, _ x: TensorID) -> Bool {
            if graph.tensors[x].kind == .parameter { return true }
            if let r = fixedRange[x] { return r.contains(t) || (t == n && r.upperBound == n) }
            if let s = stored[t][x] { return values[s.index] > 0.5 }
            return false
        }
        for t in 0..<n {
            let runs = rerun[t].filter { values[$0.value.index] > 0.5 }.map(\.key).sorted() + [t]
            // Drop what neither this stage reads nor the next stage keeps.
            let readHere = Set(runs.flatMap { graph.layerInputs[$0] })
            for x in resident.indices where resident[x] && !keptInto(t + 1, x) && !readHere.contains(x) && graph.tensors[x].kind != .parameter {
                resident[x] = false
                steps.append(.free(x))
            }
            for (i, k) in runs.enumerated() {
                for o in graph.layerOutputs[k] where resident[o] {
                    resident[o] = false
                    steps.append(.free(o))
                }
                steps.append(.compute(k))
                for o in graph.layerOutputs[k] { resident[o] = true }
                let laterReads = Set(runs[(i + 1)...].flatMap { graph.layerInputs[$0] })
                for x in Set(graph.layerInputs[k] + graph.layerOutputs[k]) where resident[x] {
                    if graph.tensors[x].kind == .parameter || laterReads.contains(x) || keptInto(t + 1, x) { continue }
                    resident[x] = false
                    steps.append(.free(x))
                }
            }
        }
        return steps
    }

    /// A full assignment of the program's variables from a plan in stage form (as the baselines
    /// make them), or `nil` when the plan does not fit the stage form or violates the program.
    func assignment(from steps: [ResolvedStep]) -> [Double]? {
        let n = graph.layers.count
        var values = [Double](repeating: 0, count: model.variables.count)
        var resident = [Bool](repeating: false, count: graph.tensors.count)
        for (x, t) in graph.tensors.enumerated() where t.kind == .input || t.kind == .parameter { resident[x] = true }
        var stage = 0
        var rerunInStage = Set<LayerID>()
        // S[t] is what is resident when stage t's first layer runs (frees before it included).
        var pendingStart: Int? = 0
        func recordStart() {
            guard let t = pendingStart else { return }
            for (x, s) in stored[t] where resident[x] { values[s.index] = 1 }
            pendingStart = nil
        }
        var firstRunDone = [Bool](repeating: false, count: n)
        for step in steps {
            switch step {
            case .compute(let l):
                recordStart()
                if !firstRunDone[l] {
                    guard l == stage else { return nil }  // frontier out of order
                    firstRunDone[l] = true
                    stage += 1
                    rerunInStage = []
                    for o in graph.layerOutputs[l] { resident[o] = true }
                    pendingStart = stage
                } else {
                    guard stage < n, let r = rerun[stage][l], !rerunInStage.contains(l) else { return nil }
                    rerunInStage.insert(l)
                    values[r.index] = 1
                    for o in graph.layerOutputs[l] { resident[o] = true }
                }
            case .free(let x):
                resident[x] = false
            }
        }
        recordStart()
        // Frees and usage follow from R and S.
        for t in 0..<n {
            for (k, list) in frees[t] {
                guard values[rerun[t][k]!.index] > 0.5 else { continue }
                let positions = rerun[t].filter { values[$0.value.index] > 0.5 }.map(\.key)
                for (x, f) in list {
                    let storedNext = stored[t + 1][x].map { values[$0.index] > 0.5 } ?? false
                    let readLater = positions.contains { $0 > k && graph.layerInputs[$0].contains(x) }
                    values[f.index] = storedNext || readLater ? 0 : 1
                }
            }
        }
        fillUsage(&values)
        return model.violation(of: values, tolerance: 1e-7) == nil ? values : nil
    }

    /// The bytes layer k writes, as a share of the budget (the unit of U).
    func scaledOutputBytes(_ k: LayerID) -> Double {
        Double(graph.layerOutputs[k].reduce(0) { $0 + graph.tensors[$1].bytes }) * memoryScale
    }

    /// Sets every U from S, R and F by its defining equation, stage by stage in order.
    func fillUsage(_ values: inout [Double]) {
        let n = graph.layers.count
        for t in 0..<n {
            var previous: Double?
            var pending = 0.0
            for (k, u) in usage[t] {
                var v: Double
                if let previous {
                    v = previous - pending
                } else {
                    v = stageConstant[t] * memoryScale
                    for (x, s) in stored[t] { v += values[s.index] * Double(graph.tensors[x].bytes) * memoryScale }
                }
                let outBytes = scaledOutputBytes(k)
                v += k == t ? outBytes : values[rerun[t][k]!.index] * outBytes
                values[u.index] = v
                previous = v
                pending = 0
                if k != t, let list = frees[t][k] {
                    for (x, f) in list { pending += values[f.index] * Double(graph.tensors[x].bytes) * memoryScale }
                }
            }
        }
    }
}
