extension ComputeGraph {
    /// Whether a document looks like a networkx node-link graph (Checkmate/Moccasin export).
    public static func isNodeLinkDocument(_ root: JSONValue) -> Bool {
        guard let o = root.objectValue else { return false }
        return o["nodes"] != nil && (o["links"] != nil || o["edges"] != nil) && o["layers"] == nil
    }

    /// Reads a Checkmate/Moccasin training graph in networkx node-link JSON.
    ///
    /// Nodes are `{id, name, backward, cost_cpu, cost_ram}` and links `{source, target}`
    /// (target reads source's output). Each node becomes a layer with one output tensor of
    /// `cost_ram` bytes (named after the node) and `time = cost_cpu`, in the profile's units;
    /// `backward: true` makes it a backward layer. Nodes without a `name` are named `node<id>`.
    ///
    /// - Throws: ``GraphError`` naming the file, the JSON path (`nodes[i].cost_ram`) and the reason.
    public init(nodeLinkJSON root: JSONValue, file: String? = nil) throws(GraphError) {
        let doc = try JSONFieldReader(root, at: SourceLocation(file: file))
        var name = file.map { ComputeGraph.stem(of: $0) } ?? "graph"
        if doc.has("graph"), let g = try doc.value("graph").objectValue, let n = g["name"]?.stringValue { name = n }
        let nodes = try doc.array("nodes")
        let linksKey = doc.has("links") ? "links" : "edges"
        let links = try doc.array(linksKey)

        var idToIndex: [Int: Int] = [:]
        var tensors: [Tensor] = []
        var layers: [Layer] = []
        tensors.reserveCapacity(nodes.count)
        layers.reserveCapacity(nodes.count)
        for (i, value) in nodes.enumerated() {
            let r = try JSONFieldReader(value, at: doc.location.appending("nodes").appending(index: i))
            let id = try r.int("id")
            if let j = idToIndex[id] {
                throw .duplicateName(r.location.appending("id"), name: "\(id)", firstAt: "nodes[\(j)]")
            }
            idToIndex[id] = i
            let nodeName = try r.optionalString("name") ?? "node\(id)"
            let ram = try r.nodeBytes("cost_ram", node: "'\(nodeName)'")
            let cpu = try r.nodeCost("cost_cpu", node: "'\(nodeName)'")
            let backward = r.has("backward") ? try r.bool("backward") : false
            tensors.append(Tensor(name: nodeName, bytes: ram, kind: backward ? .gradient : .activation))
            layers.append(Layer(name: nodeName, op: backward ? "checkmate_backward" : "checkmate_forward",
                                inputs: [], outputs: [nodeName], phase: backward ? .backward : .forward, time: cpu))
        }
        for (k, value) in links.enumerated() {
            let r = try JSONFieldReader(value, at: doc.location.appending(linksKey).appending(index: k))
            let s = try r.int("source"), t = try r.int("target")
            guard let si = idToIndex[s] else { throw .invalidValue(r.location.appending("source"), reason: "no node has id \(s)") }
            guard let ti = idToIndex[t] else { throw .invalidValue(r.location.appending("target"), reason: "no node has id \(t)") }
            if !layers[ti].inputs.contains(tensors[si].name) { layers[ti].inputs.append(tensors[si].name) }
        }
        var map = GraphSourceMap(file: file)
        map.tensorsKey = "nodes"
        map.layersKey = "nodes"
        try self.init(name: name, batch: nil, tensors: tensors, layers: layers, outputs: nil, locations: map, inference: false)
    }
}

extension JSONFieldReader {
    /// A node-link node's size: whole bytes from 1 to 2^53 (``ComputeGraph/largestNodeLinkBytes``).
    func nodeBytes(_ key: String, node: String) throws(GraphError) -> Int {
        let v = try number(key)
        guard v > 0, v.rounded() == v, v <= ComputeGraph.largestNodeLinkBytes else {
            throw .invalidValue(location.appending(key), reason: "node \(node) has \(key) \(v); sizes must be whole bytes from 1 to 2^53")
        }
        return Int(v)
    }

    /// A node-link node's cost: from 0 to ``ComputeGraph/largestCost``.
    func nodeCost(_ key: String, node: String) throws(GraphError) -> Double {
        let v = try number(key)
        guard v >= 0, v <= ComputeGraph.largestCost else {
            throw .invalidValue(location.appending(key), reason: "node \(node) has \(key) \(v); costs must be non-negative and at most 1e30")
        }
        return v
    }
}
