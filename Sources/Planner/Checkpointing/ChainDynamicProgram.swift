import Graph

/// The dynamic program for checkpointing a chain, in the recursive form of Rotor
/// (Beaumont, Herrmann, Shilova et al., "Optimal checkpointing for heterogeneous chains", 2019)
/// and of Griewank and Walther's revolve, priced with this project's memory rules.
///
/// A *chain* is: an input a₀; forward layers fᵢ: aᵢ₋₁ → aᵢ (i = 1…n); a backward layer bₙ: aₙ → gₙ;
/// backward layers bᵢ: (gᵢ₊₁, aᵢ) → gᵢ (i = n−1…0); the output g₀. A subproblem
/// P(h, i, j, m) — aᵢ and g_{j+1} resident, a_h held by an enclosing subproblem (h < i, or none),
/// m bytes for everything but a_h; produce gᵢ — runs bᵢ when i = j, or runs f_{i+1}…f_k freeing
/// the activations in between and then either *keeps* aᵢ, solving P(i, k, j) and P(h, i, k−1), or
/// *drops* aᵢ, solving P(h, k, j), recomputing aᵢ from a_h, then P(h, i, k−1):
///
///     keep: Σ_{i<l≤k} cost(f_l) + C(i, k, j, m − |aᵢ|) + C(h, i, k−1, m)
///     drop: Σ_{i<l≤k} cost(f_l) + C(h, k, j, m) + Σ_{h<l≤i} cost(f_l) + C(h, i, k−1, m)
///
/// minimized over k and the two choices, subject to the memory of each step (a layer runs with
/// its inputs and outputs resident). Rotor's recursion is the keep branch alone.
///
/// Exactness, measured against exhaustive search over all schedules (ChainDynamicProgramTests):
/// with activations of one size the recursion is exact on every chain and budget tried; with
/// sizes of 1–8 bytes it is exact on 2,348 of 2,403 (chain, feasible budget) pairs (2,278 without
/// the drop branch; `PLAN_EXPERIMENTS=1 swift test --filter dynamicProgramExactness`). The
/// misses recompute a dropped checkpoint from an earlier one *and keep an activation from that
/// recomputation for a later segment* — sharing between subproblems that no recursion over
/// independent segments expresses. So on chains it is a valid schedule, the
/// optimum when activations have one size, and an upper bound that the MILP (given it as its
/// starting incumbent) never exceeds.
///
/// - Complexity: O(n⁴) per distinct memory value reached (O(n³) for revolve, which keeps every
///   snapshot), memoized; 0.6–1.8 s for a 40-layer chain at 25–80% of its peak.
public struct ChainDynamicProgram: Sendable {
    let graph: ComputeGraph
    let costs: LayerCosts
    /// aᵢ, fᵢ (index 0 unused), bᵢ and gᵢ as graph indices.
    let a: [TensorID], f: [LayerID], b: [LayerID], g: [TensorID]
    let n: Int
    /// Sizes the recursion uses in place of the tensors' bytes (revolve's homogeneous model).
    var sizeOverride: [Int]?
    /// Whether a subproblem may drop its source after the first sweep and recompute it from the
    /// enclosing checkpoint (off for revolve, whose schedules keep every snapshot until used).
    var dropsCheckpoints = true

    /// Recognizes a chain; `nil` when the graph is not one.
    public init?(graph: ComputeGraph, costs: LayerCosts) {
        // Forward layers in order, each reading the previous one's only output.
        let forward = graph.layers.indices.filter { graph.layers[$0].phase == .forward }
        let backward = graph.layers.indices.filter { graph.layers[$0].phase != .forward }
        let n = forward.count
        guard n >= 1, backward.count == n + 1, graph.tensors.allSatisfy({ $0.kind != .parameter }) else { return nil }
        var a: [TensorID] = []
        guard let first = forward.first, graph.layerInputs[first].count == 1 else { return nil }
        a.append(graph.layerInputs[first][0])
        guard graph.producer[a[0]] == nil else { return nil }
        for l in forward {
            guard graph.layerInputs[l] == [a.last!], graph.layerOutputs[l].count == 1 else { return nil }
            a.append(graph.layerOutputs[l][0])
        }
        // Backward layers: bₙ reads aₙ; bᵢ reads gᵢ₊₁ and aᵢ.
        var g = [TensorID](repeating: -1, count: n + 1)
        var b = [LayerID](repeating: -1, count: n + 1)
        for (position, l) in backward.enumerated() {
            let i = n - position
            guard graph.layerOutputs[l].count == 1 else { return nil }
            let expected = i == n ? [a[n]] : [g[i + 1], a[i]]
            guard Set(graph.layerInputs[l]) == Set(expected), graph.layerInputs[l].count == expected.count else { return nil }
            b[i] = l
            g[i] = graph.layerOutputs[l][0]
        }
        guard graph.outputs == [g[0]] else { return nil }
        // Every activation is read only where the chain says.
        for i in 1...n {
            let readers = Set(graph.consumers[a[i]])
            guard readers == Set(i < n ? [forward[i], b[i]] : [b[n]]) else { return nil }
        }
        guard Set(graph.consumers[a[0]]) == Set([forward[0], b[0]]) else { return nil }
        self.graph = graph
        self.costs = costs
        self.a = a
        self.f = [-1] + forward
        self.b = b
        self.g = g
        self.n = n
    }

    func size(_ t: TensorID) -> Int { sizeOverride?[t] ?? graph.tensors[t].bytes }

    /// Griewank and Walther's revolve ("Algorithm 799: revolve", ACM TOMS 2000): the optimal
    /// schedule of a homogeneous chain — every step of cost 1, every tensor of size 1 — with
    /// `snapshots` activations held besides the working set, as plan steps for this chain (whose
    /// real sizes and costs the simulator then measures).
    public func revolve(snapshots: Int) -> Plan? {
        var unit = self
        unit.sizeOverride = [Int](repeating: 1, count: graph.tensors.count)
        unit.dropsCheckpoints = false
        var unitCosts = costs
        unitCosts.perLayer = [Double](repeating: 1, count: costs.perLayer.count)
        let homogeneous = ChainDynamicProgram(copying: unit, costs: unitCosts)
        // Working set: the source, the previous and the next activation, and two gradients.
        guard var plan = homogeneous.optimalPlan(budget: snapshots + 4) else { return nil }
        plan.solver = "revolve"
        return plan
    }

    private init(copying other: ChainDynamicProgram, costs: LayerCosts) {
        graph = other.graph
        self.costs = costs
        a = other.a
        f = other.f
        b = other.b
        g = other.g
        n = other.n
        sizeOverride = other.sizeOverride
        dropsCheckpoints = other.dropsCheckpoints
    }

    struct Key: Hashable { var h: Int, i: Int, j: Int, m: Int }

    /// The least cost of a schedule within the budget, or `nil` when none fits.
    public func optimalCost(budget: Int) -> Double? {
        var memo: [Key: Double?] = [:]
        guard size(a[0]) <= budget else { return nil }
        return cost(-1, 0, n, budget, &memo)
    }

    /// The optimal schedule as plan steps, or `nil` when none fits.
    public func optimalPlan(budget: Int) -> Plan? {
        var memo: [Key: Double?] = [:]
        guard size(a[0]) <= budget, cost(-1, 0, n, budget, &memo) != nil else { return nil }
        var steps: [PlanStep] = []
        emit(-1, 0, n, budget, &memo, &steps)
        return Plan(graph: graph.name, solver: "chain-dp", budgetBytes: budget, steps: steps)
    }

    /// Memory of the forward sweep f_{i+1}…f_k with the incoming gradient held; aᵢ counts
    /// unless an enclosing subproblem holds it (`sourceCounted` false).
    private func forwardPeak(_ i: Int, _ k: Int, held: Int, sourceCounted: Bool = true) -> Int {
        var peak = 0
        let source = sourceCounted ? size(a[i]) : 0
        for l in (i + 1)...k {
            let previous = l - 1 > i ? size(a[l - 1]) : 0
            peak = max(peak, held + source + previous + size(a[l]))
        }
        return peak
    }

    private func incoming(_ j: Int) -> Int { j < n ? size(g[j + 1]) : 0 }

    private func sweepCost(_ i: Int, _ k: Int) -> Double {
        ((i + 1)...k).reduce(0.0) { $0 + costs.perLayer[f[$1]] }
    }

    /// One way to split P(h, i, j, m) at k.
    private enum Split { case keep, drop }

    /// The cost of splitting P(h, i, j, m) at k in the given way, or `nil` if it does not fit.
    private func splitCost(_ h: Int, _ i: Int, _ j: Int, _ m: Int, k: Int, _ split: Split,
                           _ memo: inout [Key: Double?]) -> Double? {
        guard forwardPeak(i, k, held: incoming(j)) <= m else { return nil }
        switch split {
        case .keep:
            guard let upper = cost(i, k, j, m - size(a[i]), &memo),
                  let lower = cost(h, i, k - 1, m, &memo) else { return nil }
            return sweepCost(i, k) + upper + lower
        case .drop:
            guard h >= 0, forwardPeak(h, i, held: incoming(k - 1), sourceCounted: false) <= m,
                  let upper = cost(h, k, j, m, &memo),
                  let lower = cost(h, i, k - 1, m, &memo) else { return nil }
            return sweepCost(i, k) + upper + sweepCost(h, i) + lower
        }
    }

    private func cost(_ h: Int, _ i: Int, _ j: Int, _ m: Int, _ memo: inout [Key: Double?]) -> Double? {
        let key = Key(h: dropsCheckpoints ? h : -1, i: i, j: j, m: m)
        if let known = memo[key] { return known }
        var best: Double?
        if i == j {
            if size(a[i]) + incoming(j) + size(g[i]) <= m { best = costs.perLayer[b[i]] }
        } else {
            for k in (i + 1)...j {
                for split in splits(h) {
                    if let total = splitCost(h, i, j, m, k: k, split, &memo), best == nil || total < best! { best = total }
                }
            }
        }
        memo[key] = best
        return best
    }

    private func splits(_ h: Int) -> [Split] { dropsCheckpoints && h >= 0 ? [.keep, .drop] : [.keep] }

    private func emit(_ h: Int, _ i: Int, _ j: Int, _ m: Int, _ memo: inout [Key: Double?], _ steps: inout [PlanStep]) {
        let name = { (l: LayerID) in self.graph.layers[l].name }
        let tensor = { (t: TensorID) in self.graph.tensors[t].name }
        func sweep(_ from: Int, _ to: Int) {
            for l in (from + 1)...to {
                steps.append(.compute(name(f[l])))
                if l - 1 > from { steps.append(.free(tensor(a[l - 1]))) }
            }
        }
        if i == j {
            steps.append(.compute(name(b[i])))
            if j < n { steps.append(.free(tensor(g[j + 1]))) }
            steps.append(.free(tensor(a[i])))
            return
        }
        let target = cost(h, i, j, m, &memo)!
        for k in (i + 1)...j {
            for split in splits(h) {
                guard let total = splitCost(h, i, j, m, k: k, split, &memo),
                      abs(total - target) <= 1e-9 * max(1, abs(target)) else { continue }
                sweep(i, k)
                switch split {
                case .keep:
                    emit(i, k, j, m - size(a[i]), &memo, &steps)
                case .drop:
                    steps.append(.free(tensor(a[i])))
                    emit(h, k, j, m, &memo, &steps)
                    sweep(h, i)
                }
                emit(h, i, k - 1, m, &memo, &steps)
                return
            }
        }
    }
}
