extension ComputeGraph {
    /// The largest tensor size a node-link file may give, in bytes (2^53: every whole number up
    /// to it is exact in a JSON double).
    public static let largestNodeLinkBytes = 9_007_199_254_740_992.0

    /// Whether a node-link document is in Moccasin's random-layered format: nodes carry
    /// `out_cost`, links are keyed `"0"` and `"1"`.
    public static func isRandomLayeredDocument(_ root: JSONValue) -> Bool {
        guard isNodeLinkDocument(root), let o = root.objectValue,
              let first = o["nodes"]?.arrayValue?.first?.objectValue else { return false }
        return first["out_cost"] != nil && first["id"] == nil
    }

    /// Reads a general DAG in Moccasin's random-layered JSON (Bartan et al., "Moccasin", ICML 2023;
    /// the layered graphs of Gagrani et al., NeurIPS 2022).
    ///
    /// Nodes are `{name, out_cost, duration, param_cost}` with an integer `name`; links are
    /// `{"0": source, "1": target}` (target reads source's output); `graph.order`, when present,
    /// is the order of first computation and becomes the layer order (it must be topological).
    /// Each node is one forward layer named `n<name>` writing one tensor of `out_cost` bytes, at
    /// cost `duration`. `param_cost` is read and checked but, as in Moccasin, not modelled. The
    /// graph outputs are the nodes nothing reads.
    ///
    /// - Throws: ``GraphError`` naming the file, the JSON path (`nodes[i].out_cost`) and the reason.
    public init(randomLayeredJSON root: JSONValue, file: String? = nil) throws(GraphError) {
        let doc = try JSONFieldReader(root, at: SourceLocation(file: file))
        var name = file.map { ComputeGraph.stem(of: $0) } ?? "graph"
        var order: [Int]?
        if doc.has("graph") {
            let g = try JSONFieldReader(try doc.value("graph"), at: doc.location.appending("graph"))
            if let n = try g.optionalString("name") { name = n }
            if g.has("order") { order = try g.ints("order") }
        }
        let nodes = try doc.array("nodes")
        let links = try doc.array("links")

        var keyToIndex: [Int: Int] = [:]
        var keys: [Int] = []
        var tensors: [Tensor] = []
        var layers: [Layer] = []
        tensors.reserveCapacity(nodes.count)
        layers.reserveCapacity(nodes.count)
        for (i, value) in nodes.enumerated() {
            let r = try JSONFieldReader(value, at: doc.location.appending("nodes").appending(index: i))
            let key = try r.int("name")
            if let j = keyToIndex[key] {
                throw .duplicateName(r.location.appending("name"), name: "\(key)", firstAt: "nodes[\(j)]")
            }
            keyToIndex[key] = i
            keys.append(key)
            let nodeName = "n\(key)"
            let bytes = try r.nodeBytes("out_cost", node: "\(key)")
            let duration = try r.nodeCost("duration", node: "\(key)")
            if r.has("param_cost") { _ = try r.nodeCost("param_cost", node: "\(key)") }
            tensors.append(Tensor(name: nodeName, bytes: bytes, kind: .activation))
            layers.append(Layer(name: nodeName, op: "opaque", inputs: [], outputs: [nodeName], phase: .forward, time: duration))
        }
        var edges: [(source: Int, target: Int)] = []
        edges.reserveCapacity(links.count)
        for (k, value) in links.enumerated() {
            let r = try JSONFieldReader(value, at: doc.location.appending("links").appending(index: k))
            let s = try r.int("0"), t = try r.int("1")
            guard let si = keyToIndex[s] else { throw .invalidValue(r.location.appending("0"), reason: "no node has name \(s)") }
            guard let ti = keyToIndex[t] else { throw .invalidValue(r.location.appending("1"), reason: "no node has name \(t)") }
            guard si != ti else { throw .cycle(layers: [layers[si].name], file: file) }
            edges.append((si, ti))
            if !layers[ti].inputs.contains(tensors[si].name) { layers[ti].inputs.append(tensors[si].name) }
        }
        var ordered = layers
        var nodeIndexOfLayer = Array(nodes.indices)
        if let order {
            let at = doc.location.appending("graph").appending("order")
            guard order.count == nodes.count else {
                throw .invalidValue(at, reason: "lists \(order.count) nodes; the graph has \(nodes.count)")
            }
            var seen = [Bool](repeating: false, count: nodes.count)
            var position = [Int](repeating: 0, count: nodes.count)
            for (p, key) in order.enumerated() {
                guard let i = keyToIndex[key] else { throw .invalidValue(at.appending(index: p), reason: "no node has name \(key)") }
                guard !seen[i] else { throw .invalidValue(at.appending(index: p), reason: "node \(key) is listed twice") }
                seen[i] = true
                position[i] = p
            }
            for (k, (s, t)) in edges.enumerated() {
                guard position[s] < position[t] else {
                    throw .invalidValue(at, reason: "is not a topological order: node \(keys[t]) comes before node \(keys[s]), which it reads (links[\(k)])")
                }
            }
            nodeIndexOfLayer = order.map { keyToIndex[$0]! }
            ordered = nodeIndexOfLayer.map { layers[$0] }
        }
        var map = GraphSourceMap(file: file)
        map.tensorsKey = "nodes"
        map.layersKey = "nodes"
        let nodeIndex = nodeIndexOfLayer
        map.layerPath = { "nodes[\(nodeIndex[$0])]" }
        try self.init(name: name, batch: nil, tensors: tensors, layers: ordered, outputs: nil, locations: map, inference: false)
    }
}
