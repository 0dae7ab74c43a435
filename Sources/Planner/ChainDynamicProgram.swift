import Graph

/// The dynamic program for checkpointing a chain, in the recursive form of Rotor
/// (Beaumont, Herrmann, Shilova et al., "Optimal checkpointing for heterogeneous chains", 2019)
/// and of Griewank and Walther's revolve, priced with this project's memory rules.
///
/// A *chain* is: an input a₀; forward layers fᵢ: aᵢ₋₁ → aᵢ (i = 1…n); a backward layer bₙ: aₙ → gₙ;
/// backward layers bᵢ: (gᵢ₊₁, aᵢ) → gᵢ (i = n−1…0); the output g₀. Every subproblem
/// P(i, j, m) — a_i and g_{j+1} resident, m bytes for them and everything else, produce gᵢ —
/// either runs bᵢ (when i = j) or runs f_{i+1}…f_k freeing the activations in between, solves
/// P(k, j) holding aᵢ, then P(i, k−1) with g_k:
///
///     C(i, j, m) = min over i < k ≤ j of  Σ_{l=i+1..k} cost(f_l) + C(k, j, m − |aᵢ|) + C(i, k−1, m)
///
/// subject to the memory of each step, measured with its inputs and outputs resident.
///
/// Under this project's rules the recursion is a valid schedule and an upper bound, not always the
/// optimum: exhaustive search finds cheaper schedules on some chains, which use a checkpoint to
/// rerun a segment, then drop it and recompute it from an earlier one (a subproblem here holds
/// its source until its last backward layer; see ChainDynamicProgramTests).
/// The MILP never loses to it.
///
/// - Complexity: O(n³) per distinct memory value reached, memoized; for the small chains it
///   cross-checks the MILP on.
public struct ChainDynamicProgram: Sendable {
    let graph: ComputeGraph
    let costs: LayerCosts
    /// aᵢ, fᵢ (index 0 unused), bᵢ and gᵢ as graph indices.
    let a: [TensorID], f: [LayerID], b: [LayerID], g: [TensorID]
    let n: Int
    /// Sizes the recursion uses in place of the tensors' bytes (revolve's homogeneous model).
    var sizeOverride: [Int]?

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
    }

    struct Key: Hashable { var i: Int, j: Int, m: Int }

    /// The least cost of a schedule within the budget, or `nil` when none fits.
    public func optimalCost(budget: Int) -> Double? {
        var memo: [Key: Double?] = [:]
        guard size(a[0]) <= budget else { return nil }
        return cost(0, n, budget, &memo)
    }

    /// The optimal schedule as plan steps, or `nil` when none fits.
    public func optimalPlan(budget: Int) -> Plan? {
        var memo: [Key: Double?] = [:]
        guard size(a[0]) <= budget, cost(0, n, budget, &memo) != nil else { return nil }
        var steps: [PlanStep] = []
        emit(0, n, budget, &memo, &steps)
        return Plan(graph: graph.name, solver: "chain-dp", budgetBytes: budget, steps: steps)
    }

    /// Memory of the forward sweep f_{i+1}…f_k with aᵢ and the incoming gradient held.
    private func forwardPeak(_ i: Int, _ k: Int, held: Int) -> Int {
        var peak = 0
        for l in (i + 1)...k {
            let previous = l - 1 > i ? size(a[l - 1]) : 0
            peak = max(peak, held + size(a[i]) + previous + size(a[l]))
        }
        return peak
    }

    private func incoming(_ j: Int) -> Int { j < n ? size(g[j + 1]) : 0 }

    private func cost(_ i: Int, _ j: Int, _ m: Int, _ memo: inout [Key: Double?]) -> Double? {
        let key = Key(i: i, j: j, m: m)
        if let known = memo[key] { return known }
        var best: Double?
        if i == j {
            if size(a[i]) + incoming(j) + size(g[i]) <= m { best = costs.perLayer[b[i]] }
        } else {
            for k in (i + 1)...j {
                guard forwardPeak(i, k, held: incoming(j)) <= m else { continue }
                let sweep = ((i + 1)...k).reduce(0.0) { $0 + costs.perLayer[f[$1]] }
                guard let upper = cost(k, j, m - size(a[i]), &memo), let lower = cost(i, k - 1, m, &memo) else { continue }
                let total = sweep + upper + lower
                if best == nil || total < best! { best = total }
            }
        }
        memo[key] = best
        return best
    }

    private func emit(_ i: Int, _ j: Int, _ m: Int, _ memo: inout [Key: Double?], _ steps: inout [PlanStep]) {
        let name = { (l: LayerID) in self.graph.layers[l].name }
        let tensor = { (t: TensorID) in self.graph.tensors[t].name }
        if i == j {
            steps.append(.compute(name(b[i])))
            if j < n { steps.append(.free(tensor(g[j + 1]))) }
            steps.append(.free(tensor(a[i])))
            return
        }
        let target = cost(i, j, m, &memo)!
        for k in (i + 1)...j {
            guard forwardPeak(i, k, held: incoming(j)) <= m else { continue }
            let sweep = ((i + 1)...k).reduce(0.0) { $0 + costs.perLayer[f[$1]] }
            guard let upper = cost(k, j, m - size(a[i]), &memo), let lower = cost(i, k - 1, m, &memo),
                  abs(sweep + upper + lower - target) <= 1e-9 * max(1, abs(target)) else { continue }
            for l in (i + 1)...k {
                steps.append(.compute(name(f[l])))
                if l - 1 > i { steps.append(.free(tensor(a[l - 1]))) }
            }
            emit(k, j, m - size(a[i]), &memo, &steps)
            emit(i, k - 1, m, &memo, &steps)
            return
        }
    }
}
