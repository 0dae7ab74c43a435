import Graph
import HeapModule

/// Exhaustive search over every schedule of a tiny graph, independent of the planners: Dijkstra
/// over (resident set, next first-run layer) with steps "run the next layer for the first time",
/// "rerun an earlier forward layer" and "free a tensor", under the plan rules and a budget.
/// First runs happen in the graph's topological order (the order every planner here uses);
/// parameters stay resident.
enum BruteForceSchedules {
    /// The least total cost of a valid schedule within the budget, or nil if there is none.
    static func optimalCost(_ graph: ComputeGraph, costs: [Double], budget: Int) -> Double? {
        let tracked = graph.tensors.indices.filter { graph.tensors[$0].kind != .parameter }
        precondition(tracked.count <= 20, "brute force is for tiny graphs")
        var bit = [Int](repeating: -1, count: graph.tensors.count)
        for (i, t) in tracked.enumerated() { bit[t] = i }
        let paramBytes = graph.tensors.filter { $0.kind == .parameter }.reduce(0) { $0 + $1.bytes }
        func bytes(_ mask: Int) -> Int {
            var b = paramBytes
            for (i, t) in tracked.enumerated() where mask & (1 << i) != 0 { b += graph.tensors[t].bytes }
            return b
        }
        func mask(_ tensors: [TensorID]) -> Int { tensors.reduce(0) { bit[$1] >= 0 ? $0 | (1 << bit[$1]) : $0 } }
        let n = graph.layers.count
        var start = 0
        for t in tracked where graph.tensors[t].kind == .input { start |= 1 << bit[t] }
        guard bytes(start) <= budget else { return nil }
        let outputs = mask(graph.outputs)
        struct State: Hashable { var resident: Int; var frontier: Int }
        struct Entry: Comparable {
            var cost: Double; var state: State
            static func < (a: Entry, b: Entry) -> Bool { a.cost < b.cost }
        }
        var best: [State: Double] = [State(resident: start, frontier: 0): 0]
        var heap = Heap<Entry>([Entry(cost: 0, state: State(resident: start, frontier: 0))])
        while let e = heap.popMin() {
            guard let known = best[e.state], e.cost <= known else { continue }
            let s = e.state
            if s.frontier == n && s.resident & outputs == outputs { return e.cost }
            func push(_ next: State, _ cost: Double) {
                if cost < best[next] ?? .infinity {
                    best[next] = cost
                    heap.insert(Entry(cost: cost, state: next))
                }
            }
            func run(_ l: LayerID) -> Int? {
                let ins = mask(graph.layerInputs[l]), outs = mask(graph.layerOutputs[l])
                guard s.resident & ins == ins, s.resident & outs == 0 else { return nil }
                let r = s.resident | outs
                return bytes(r) <= budget ? r : nil
            }
            if s.frontier < n, let r = run(s.frontier) { push(State(resident: r, frontier: s.frontier + 1), e.cost + costs[s.frontier]) }
            for l in 0..<s.frontier where graph.layers[l].phase == .forward {
                if let r = run(l) { push(State(resident: r, frontier: s.frontier), e.cost + costs[l]) }
            }
            for i in tracked.indices where s.resident & (1 << i) != 0 {
                push(State(resident: s.resident & ~(1 << i), frontier: s.frontier), e.cost)
            }
        }
        return nil
    }
}
