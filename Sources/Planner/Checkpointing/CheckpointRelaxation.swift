import Graph

/// A lower bound on the checkpointing optimum: ``CheckpointMILP`` with memory checked only at the
/// start of a few *cut* stages and every stage between two cuts merged into one interval.
///
/// Cuts 0 = c₀ < c₁ < … < c_m ≤ n split the stages into intervals Iᵢ = [cᵢ, cᵢ₊₁) (the last one
/// ends at n). Variables:
///
/// - `s[i][x] ∈ {0,1}`: tensor x is resident when stage cᵢ starts (where the full program has
///   `S[cᵢ][x]`);
/// - `r[i][l] ∈ {0,1}`: forward layer l reruns at least once in interval i (where the full program
///   has some `R[t][l]`, t ∈ Iᵢ).
///
/// Minimize Σᵢ Σ_l cost(l)·r[i][l] (plus every layer once) subject to
///
/// - dependencies: every layer that runs in Iᵢ (its frontiers, and its reruns) reads x only if x
///   is resident at cᵢ, or reruns in Iᵢ, or is written by a frontier of Iᵢ:
///   `r[i][k] ≤ s[i][x] + r[i][p(x)]` (and `1 ≤ …` for a frontier k);
/// - storage: `s[i+1][x] ≤ s[i][x] + r[i][p(x)]`, unless a frontier of Iᵢ writes x; inputs start
///   resident, outputs end resident;
/// - memory at each cut: `C_{cᵢ} + Σ_x b(x)·s[i][x] ≤ budget`;
/// - memory at every frontier k ∈ Iᵢ: `C_k + b(in(k) ∪ out(k)) + Σ_x b(x)·h[k][x] ≤ budget`, where
///   h lower-bounds "x is resident throughout stage k" from what cannot be otherwise: x (not
///   rerun in Iᵢ) is read by a later frontier of Iᵢ, `h ≥ 1 − r[i][p(x)]`; or x is resident at
///   both cuts (or written by an earlier frontier of Iᵢ and resident at the next cut) and not
///   rerun, `h ≥ s[i][x] + s[i+1][x] − 1 − r[i][p(x)]` (`h ≥ s[i+1][x] − r[i][p(x)]`). Without a rerun
///   such an x cannot be freed and computed again in between, and the full program frees a
///   tensor within a stage only if the next stage does not hold it.
///
/// Every solution of the full program maps to one of this program with no greater objective
/// (`s[i] = S[cᵢ]`, `r[i][l] = max_{t∈Iᵢ} R[t][l]`: a tensor resident at some t ∈ Iᵢ was resident at
/// cᵢ or computed in [cᵢ, t); the full program's usage at the first position of stage cᵢ counts
/// exactly `C_{cᵢ} + Σ b·S[cᵢ]`, and more), so its optimum — and any bound a solver proves on it —
/// is a lower bound on the plan's optimal cost. What is given up: memory within an interval and
/// the order of runs inside it. What is kept, and the LP relaxation of the full program loses:
/// that a tensor is either resident or not, so a budget forces whole recomputations.
///
/// With one cut per stage it differs from the full program only by the usage within stages; with
/// a few dozen cuts it is small enough to solve to optimality on graphs far beyond the full
/// program's reach (the direction "fewer or adaptive stages" of Checkmate's follow-ups).
///
/// - Complexity: O(m·(L + T)) variables and O(m·E) constraints for m cuts.
struct CheckpointRelaxation {
    let form: StageForm
    let costs: LayerCosts
    let budget: Int
    let cuts: [Int]
    let costScale: Double

    private(set) var model = LinearModel()
    /// s[i]: residency at the start of cut i.
    private(set) var stored: [[TensorID: Variable]]
    /// r[i]: reruns within interval i.
    private(set) var rerun: [[LayerID: Variable]]
    /// Residency indicators h and the expression each is at least.
    private(set) var indicators: [(Variable, LinearExpression)] = []

    /// Evenly spaced cuts: stage 0 and `count` more over stages 1..<n (fewer when they coincide).
    static func cuts(graph: ComputeGraph, count: Int) -> [Int] {
        let n = graph.layers.count
        guard n > 1, count > 0 else { return [0] }
        let k = min(count, n - 1)
        var set: Set<Int> = [0]
        for i in 1...k { set.insert(min(n - 1, max(1, Int((Double(i) * Double(n) / Double(k + 1)).rounded())))) }
        return set.sorted()
    }

    /// Cuts where memory presses hardest: stage 0 and the `count` stages at which the
    /// keep-everything schedule holds the most bytes, each at least n/(4·count) stages from the
    /// others (a relaxation checks memory only at its cuts, so cuts where no plan is short of
    /// memory prove nothing).
    static func pressureCuts(graph: ComputeGraph, count: Int) -> [Int] {
        let n = graph.layers.count
        guard n > 1, count > 0 else { return [0] }
        let during = graph.keepEverythingProfile().bytesDuringLayer
        let spacing = max(1, n / (4 * count))
        var chosen: [Int] = []
        for c in (1..<n).sorted(by: { (during[$0], $1) > (during[$1], $0) }) where chosen.count < count {
            if chosen.allSatisfy({ abs($0 - c) >= spacing }) { chosen.append(c) }
        }
        return ([0] + chosen).sorted()
    }

    /// - Parameter frontierNonzeros: about how many coefficients the frontier-memory rows may
    ///   have in all (a row per layer over the tensors that may be live across it): on larger
    ///   graphs only every j-th frontier gets its row — any subset of rows is still a relaxation.
    ///   GLPK's root processing does not check its time limit on programs with millions of
    ///   coefficients (measured: over 190 s against a 75 s limit on a 1,210-layer graph).
    init(graph: ComputeGraph, costs: LayerCosts, budget: Int, cuts: [Int], frontierNonzeros: Int = 300_000) {
        let form = StageForm(graph: graph)
        self.form = form
        self.costs = costs
        self.budget = budget
        let n = form.n
        let cuts = Array(Set(cuts.filter { $0 >= 0 && $0 < n } + [0])).sorted()
        self.cuts = cuts
        costScale = Self.costScale(costs)
        let m = cuts.count
        let memoryScale = 1 / Double(max(budget, 1))
        // Interval i is [start(i), end(i)); a final pseudo-cut at n holds the outputs.
        func end(_ i: Int) -> Int { i + 1 < m ? cuts[i + 1] : n }

        stored = Array(repeating: [:], count: m + 1)
        rerun = Array(repeating: [:], count: m)
        let pairs = graph.tensors.indices.reduce(0) { $0 + (form.residentStages($1)?.count ?? 0) }
        let stride = max(1, (pairs + frontierNonzeros - 1) / max(1, frontierNonzeros))
        for x in graph.tensors.indices {
            guard let stages = form.residentStages(x) else { continue }
            for i in 0...m where stages.contains(start(i)) {
                stored[i][x] = model.addVariable("s[\(start(i))][\(graph.tensors[x].name)]", .binary)
            }
        }
        for l in graph.layers.indices {
            guard let last = form.lastRerunStage(l) else { continue }
            for i in 0..<m where max(l + 1, start(i)) <= min(end(i) - 1, last) {
                rerun[i][l] = model.addVariable("r[\(start(i))][\(graph.layers[l].name)]", .binary)
            }
        }
        // Inputs start resident; outputs end resident.
        for (x, s) in stored[0] where graph.producer[x] == nil { model.add(LinearExpression(s) >= 1) }
        for (x, s) in stored[m] where form.isOutput[x] { model.add(LinearExpression(s) >= 1, name: "output \(graph.tensors[x].name)") }

        for i in 0..<m {
            let interval = start(i)..<end(i)
            // What runs in the interval reads what is resident at its start, rerun in it, or
            // written by one of its frontiers.
            func available(_ x: TensorID, for k: LayerID) -> LinearExpression? {
                var e = LinearExpression()
                if let p = graph.producer[x] {
                    if interval.contains(p) { return nil }  // a frontier writes it
                    if p != k, let r = rerun[i][p] { e.add(r) }
                }
                if let s = stored[i][x] { e.add(s) }
                return e
            }
            for k in Array(interval) + rerun[i].keys.sorted() {
                let runs = interval.contains(k) ? LinearExpression(constant: 1) : LinearExpression(rerun[i][k]!)
                for x in Set(graph.layerInputs[k]) where graph.tensors[x].kind != .parameter && form.fixedRange[x] == nil {
                    guard let e = available(x, for: k) else { continue }
                    model.add(runs <= e, name: "dep \(graph.layers[k].name) on \(graph.tensors[x].name) in \(start(i))")
                }
            }
            // Residency at the next cut.
            for (x, s) in stored[i + 1] {
                guard let e = available(x, for: -1) else { continue }
                model.add(LinearExpression(s) <= e, name: "store \(graph.tensors[x].name) into \(start(i + 1))")
            }
            // Memory at the cut.
            var usage = LinearExpression(constant: form.stageConstant[start(i)] * memoryScale)
            for (x, s) in stored[i] { usage.add(s, coefficient: Double(graph.tensors[x].bytes) * memoryScale) }
            model.add(usage <= 1, name: "memory at \(start(i))")
            addFrontierMemory(interval: i, range: interval, stride: stride, memoryScale: memoryScale)
        }
        var objective = LinearExpression(constant: costs.onceEach * costScale)
        for i in 0..<m { for (l, r) in rerun[i] { objective.add(r, coefficient: costs.perLayer[l] * costScale) } }
        model.minimize(objective)
    }

    /// Adds the frontier-memory rows of interval i (see the type's documentation).
    private mutating func addFrontierMemory(interval i: Int, range interval: Range<Int>, stride: Int, memoryScale: Double) {
        let graph = form.graph
        // For each tensor: the last frontier of the interval that reads it.
        var lastFrontierReader: [TensorID: Int] = [:]
        for k in interval {
            for x in graph.layerInputs[k] where graph.tensors[x].kind != .parameter && form.fixedRange[x] == nil {
                lastFrontierReader[x] = k
            }
        }
        // Indicators, made when first needed.
        var needed: [TensorID: LinearExpression] = [:]
        var kept: [TensorID: LinearExpression] = [:]
        func indicator(_ name: String, atLeast rhs: LinearExpression) -> LinearExpression {
            // rhs is s and r terms with a constant; a constant rhs needs no variable.
            if rhs.terms.isEmpty { return LinearExpression(constant: max(0, rhs.constant)) }
            let h = model.addVariable(name, .continuous, lower: 0, upper: 1)
            model.add(LinearExpression(h) >= rhs)
            indicators.append((h, rhs))
            return LinearExpression(h)
        }
        func notRerun(_ x: TensorID) -> LinearExpression {
            var e = LinearExpression(constant: 1)
            if let p = graph.producer[x], let r = rerun[i][p] { e.add(r, coefficient: -1) }
            return e
        }
        for k in interval where (k - interval.lowerBound) % stride == 0 {
            let touched = Set(graph.layerInputs[k] + graph.layerOutputs[k])
            var row = LinearExpression(constant: form.stageConstant[k] * memoryScale)
            for x in touched where graph.tensors[x].kind != .parameter && (form.fixedRange[x] == nil || graph.producer[x] == k) {
                row.constant += Double(graph.tensors[x].bytes) * memoryScale
            }
            // Tensors that may be resident through stage k: from before the interval (resident at
            // its start), or written by an earlier frontier of it.
            for x in graph.tensors.indices where !touched.contains(x) && form.fixedRange[x] == nil && graph.tensors[x].kind != .parameter {
                let p = graph.producer[x]
                let fromFrontier = p.map { interval.contains($0) } ?? false
                if fromFrontier && p! >= k { continue }
                if !fromFrontier && stored[i][x] == nil { continue }
                var h: LinearExpression?
                if let last = lastFrontierReader[x], last > k {
                    if needed[x] == nil { needed[x] = indicator("need[\(start(i))][\(x)]", atLeast: notRerun(x)) }
                    h = needed[x]
                } else if let next = stored[i + 1][x] {
                    if kept[x] == nil {
                        var rhs = notRerun(x) + LinearExpression(next) - 1
                        if !fromFrontier { rhs = rhs + LinearExpression(stored[i][x]!) - 1 }
                        kept[x] = indicator("kept[\(start(i))][\(x)]", atLeast: rhs)
                    }
                    h = kept[x]
                }
                guard let h else { continue }
                row.add(h, scale: Double(graph.tensors[x].bytes) * memoryScale)
            }
            model.add(row <= 1, name: "memory at frontier \(graph.layers[k].name)")
        }
    }

    private func start(_ i: Int) -> Int { i < cuts.count ? cuts[i] : form.n }

    /// The plan cost for an objective value.
    func cost(fromObjective objective: Double) -> Double { objective / costScale }
}

extension CheckpointRelaxation {
    /// The objective's scale: 1 when every layer cost is a small integer (time units), so that a
    /// solver knows the objective is integral and rounds its bound up; otherwise costs are
    /// normalized to an average of 1.
    static func costScale(_ costs: LayerCosts) -> Double {
        let positive = costs.perLayer.filter { $0 > 0 }
        if costs.perLayer.allSatisfy({ $0 >= 0 && $0 <= 1e6 && $0 == $0.rounded() }) { return 1 }
        return positive.isEmpty ? 1 : Double(positive.count) / positive.reduce(0, +)
    }

    /// Above this many coefficients the relaxation is solved as a linear program.
    static let branchingNonzeroLimit = 200_000

    /// What ``lowerBound(_:costs:budget:cutCounts:incumbent:solver:timeLimit:)`` proved.
    struct Bound {
        /// A lower bound on every plan's cost within the budget; `nil` when the relaxation is
        /// infeasible, so no plan fits.
        var cost: Double?
        /// The cuts of the relaxation that gave it.
        var cuts: Int
        var seconds: Double
        /// The forward layers an integral solution reruns (in any interval), with its cost: the
        /// best solution of the last solve (the most cuts) that found one cheaper than the
        /// incumbent; `nil` when none did. A hint
        /// for the incumbent's eviction policy
        /// (``CheckpointPlanner/guidedEviction(_:costs:budget:reruns:evaluations:timeLimit:)``),
        /// not a plan: memory within an interval is not checked.
        var reruns: (layers: [Bool], cost: Double)?
    }

    /// A proven lower bound on the cost of every plan within `budget` (in stage form): the
    /// relaxation solved with more and more cuts (for each count in `cutCounts`, the cuts where
    /// memory presses (``pressureCuts(graph:count:)``), then evenly spaced ones, while time is
    /// left and the previous one was solved to optimality), the best bound any of them proved; never
    /// below the cost of running every layer once. Each solve starts from `incumbent` (a plan
    /// within the budget), and stops as soon as its bound reaches the incumbent's cost.
    static func lowerBound(_ graph: ComputeGraph, costs: LayerCosts, budget: Int, cutCounts: [Int],
                           incumbent: [ResolvedStep]?, incumbentCost: Double?,
                           solver: any MILPSolver, timeLimit: Double?,
                           progress: ((_ phase: String, _ bound: Double) -> Void)? = nil) -> Bound {
        let start = ContinuousClock.now
        var best = Bound(cost: costs.onceEach, cuts: 0, seconds: 0)
        var tried: Set<[Int]> = []
        // Each count's cuts where memory presses first, then evenly spaced ones; a set met
        // before (on small graphs the counts run out of stages) is not solved again.
        let cutSets = cutCounts.flatMap { [(pressureCuts(graph: graph, count: $0), "where memory presses"), (cuts(graph: graph, count: $0), "evenly spaced")] }
        for (cutSet, placement) in cutSets {
            let elapsed = (ContinuousClock.now - start).seconds
            if let timeLimit, elapsed >= timeLimit { break }
            if MemoryLimit.installedIsReached { break }
            guard tried.insert(cutSet).inserted else { continue }
            let relaxation = CheckpointRelaxation(graph: graph, costs: costs, budget: budget, cuts: cutSet)
            let nonzeros = relaxation.model.constraints.reduce(0) { $0 + $1.expression.terms.count }
            let integral = nonzeros <= branchingNonzeroLimit
            progress?("bound: \(cutSet.count) cuts \(placement), \(integral ? "binary" : "linear"), \(relaxation.model.variables.count) variables", best.cost!)
            let warm = incumbent.flatMap { relaxation.assignment(from: $0) }
            let gap = 1e-6
            // Large programs get their linear relaxation only: branch and bound adds little there
            // within the time (the 1,210-layer GPT-2 at 50%: gap 21.80% after 300 s of it, 22.10%
            // from the LP in 90 s; docs/benchmarks.md).
            let model = integral ? relaxation.model : relaxation.model.withoutIntegrality()
            guard let solution = try? solver.solve(model, options: SolverOptions(
                timeLimit: timeLimit.map { max(0.1, $0 - elapsed) }, relativeGap: gap, incumbent: warm)) else { break }
            if integral, let objective = solution.objective, !solution.values.isEmpty {
                let cost = relaxation.cost(fromObjective: objective)
                if cost < (incumbentCost ?? .infinity) * (1 - 1e-9) {
                    var layers = [Bool](repeating: false, count: graph.layers.count)
                    for interval in relaxation.rerun { for (l, r) in interval where solution[r] > 0.5 { layers[l] = true } }
                    best.reruns = (layers, cost)
                }
            }
            var proven: Double?
            switch solution.status {
            case .infeasible:
                return Bound(cost: nil, cuts: relaxation.cuts.count, seconds: (ContinuousClock.now - start).seconds)
            case .optimal:
                proven = (solution.bound ?? solution.objective).map { relaxation.cost(fromObjective: $0) * (1 - gap) }
            default:
                proven = solution.bound.map { relaxation.cost(fromObjective: $0) }
            }
            // With an integral objective (costScale 1) every plan's cost is an integer.
            if relaxation.costScale == 1, let p = proven { proven = (p - 1e-6).rounded(.up) }
            if let proven, proven > best.cost! {
                best.cost = proven
                best.cuts = relaxation.cuts.count
            }
            if let incumbentCost, best.cost! >= incumbentCost * (1 - 1e-6) { break }
            if solution.status != .optimal { break }  // more cuts would not finish either
        }
        best.seconds = (ContinuousClock.now - start).seconds
        return best
    }
}

extension CheckpointRelaxation {
    /// The relaxation's assignment for a plan in stage form (every layer's first run in
    /// topological order, reruns between): `s` from what is resident when each cut's stage runs
    /// its first layer, `r` from the reruns of each interval, indicators at their least values.
    /// `nil` when the plan is not in stage form. Used to start the solver and in tests, where a
    /// feasible plan must map to a feasible assignment.
    func assignment(from steps: [ResolvedStep]) -> [Double]? {
        let graph = form.graph
        var values = [Double](repeating: 0, count: model.variables.count)
        var resident = [Bool](repeating: false, count: graph.tensors.count)
        for (x, t) in graph.tensors.enumerated() where t.kind == .input || t.kind == .parameter { resident[x] = true }
        var stage = 0
        var interval = 0
        var pendingCut: Int? = 0
        func recordCut() {
            guard let i = pendingCut else { return }
            for (x, s) in stored[i] where resident[x] { values[s.index] = 1 }
            pendingCut = nil
        }
        var ran = [Bool](repeating: false, count: graph.layers.count)
        for step in steps {
            switch step {
            case .compute(let l):
                recordCut()
                if !ran[l] {
                    guard l == stage else { return nil }
                    ran[l] = true
                    stage += 1
                    if interval + 1 <= cuts.count, start(interval + 1) == stage {
                        interval += 1
                        pendingCut = interval
                    }
                } else {
                    // A rerun after the last frontier (as for an output evicted and needed at
                    // the end) has no stage in this form.
                    guard interval < rerun.count, let r = rerun[interval][l] else { return nil }
                    values[r.index] = 1
                }
                for o in graph.layerOutputs[l] { resident[o] = true }
            case .free(let x):
                resident[x] = false
            }
        }
        recordCut()
        for (h, rhs) in indicators { values[h.index] = max(0, rhs.value(at: values)) }
        return values
    }
}
