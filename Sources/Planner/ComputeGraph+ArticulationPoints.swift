import Graph

extension ComputeGraph {
    /// The forward layers whose removal disconnects the forward part of the graph from its inputs
    /// or its ends: articulation points of the undirected data-dependency graph of the forward
    /// layers, with a virtual source joined to every layer that reads a graph input and a virtual
    /// sink joined to every layer whose outputs no forward layer reads. In topological order.
    ///
    /// In a chain every inner layer is one; in a residual network they are the layers between
    /// blocks. Checkpointing at them is Checkmate's generalization of Chen et al.'s segment
    /// strategies to non-linear graphs (Jain et al. 2020, appendix).
    /// - Complexity: O(L + E), iterative (no recursion depth limit).
    public func forwardArticulationPoints() -> [LayerID] {
        let forward = layers.indices.filter { layers[$0].phase == .forward }
        guard forward.count > 2 else { return [] }
        var isForward = [Bool](repeating: false, count: layers.count)
        for l in forward { isForward[l] = true }
        // Nodes 0..<L are layers; L is the virtual source, L + 1 the virtual sink.
        let source = layers.count, sink = layers.count + 1
        var adjacency = [[Int]](repeating: [], count: layers.count + 2)
        var feedsForward = [Bool](repeating: false, count: layers.count)
        for l in forward {
            for t in layerInputs[l] {
                if let p = producer[t], isForward[p], p != l {
                    adjacency[l].append(p)
                    adjacency[p].append(l)
                    feedsForward[p] = true
                } else if producer[t] == nil && tensors[t].kind == .input {
                    adjacency[l].append(source)
                    adjacency[source].append(l)
                }
            }
        }
        for l in forward where !feedsForward[l] {
            adjacency[l].append(sink)
            adjacency[sink].append(l)
        }
        let nodes = layers.count + 2
        var discovery = [Int](repeating: -1, count: nodes)
        var low = [Int](repeating: 0, count: nodes)
        var parent = [Int](repeating: -1, count: nodes)
        var isCut = [Bool](repeating: false, count: nodes)
        var time = 0
        for root in [source] + forward where discovery[root] < 0 {
            var rootChildren = 0
            var stack: [(node: Int, next: Int)] = [(root, 0)]
            discovery[root] = time; low[root] = time; time += 1
            while !stack.isEmpty {
                let (v, i) = stack[stack.count - 1]
                if i < adjacency[v].count {
                    stack[stack.count - 1].next += 1
                    let w = adjacency[v][i]
                    if discovery[w] < 0 {
                        parent[w] = v
                        if v == root { rootChildren += 1 }
                        discovery[w] = time; low[w] = time; time += 1
                        stack.append((w, 0))
                    } else if w != parent[v] {
                        low[v] = min(low[v], discovery[w])
                    }
                } else {
                    stack.removeLast()
                    let p = parent[v]
                    if p >= 0 {
                        low[p] = min(low[p], low[v])
                        if p != root && low[v] >= discovery[p] { isCut[p] = true }
                    }
                }
            }
            if rootChildren > 1 { isCut[root] = true }
        }
        return forward.filter { isCut[$0] }
    }
}
