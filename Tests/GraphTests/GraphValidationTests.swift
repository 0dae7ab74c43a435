import Testing
@testable import Graph

/// Every class of malformed input gives a clear error naming the file, the JSON path and the reason.
@Suite("Graph validation")
struct GraphValidationTests {
    static let valid = """
    {"name": "ok", "tensors": [{"name": "x", "shape": [2, 4], "kind": "input"},
                               {"name": "y", "shape": [2, 4]}],
     "layers": [{"name": "r", "op": "relu", "inputs": ["x"], "outputs": ["y"]}]}
    """

    @Test func acceptsAValidGraph() throws {
        let g = try parseGraph(Self.valid)
        #expect(g.layers.map(\.name) == ["r"])
        #expect(g.outputs == [g.tensorID(named: "y")!])
    }

    /// Sizes are bounded (issue 18, crashes 2–5 and 8): a shape whose bytes overflow, and tensors
    /// that total more than 2^53 bytes, are errors with the path, not traps later.
    @Test func sizesAreBounded() {
        let overflow = Self.valid.replacingOccurrences(of: #""shape": [2, 4], "kind""#, with: #""shape": [4611686018427387904, 4], "kind""#)
        #expect(graphError(overflow) == .invalidValue(SourceLocation(file: "g.json", path: "tensors[0].shape"),
                                                      reason: "tensor 'x' is too large: its byte size overflows 64 bits"))
        // Built in code, the same shape is caught by the graph's own validation.
        #expect(throws: GraphError.invalidValue(SourceLocation(path: "tensors[0].shape"),
                                                reason: "tensor 'x' of shape [4611686018427387904, 4] has more than 2^63 bytes; the largest tensor is 9007199254740992 bytes (2^53)")) {
            try ComputeGraph(name: "g", tensors: [Tensor(name: "x", shape: [4611686018427387904, 4], kind: .input), Tensor(name: "y", bytes: 4)],
                             layers: [Layer(name: "r", op: "opaque", inputs: ["x"], outputs: ["y"], time: 1)])
        }
        let huge = Self.valid.replacingOccurrences(of: #""shape": [2, 4]}"#, with: #""bytes": 4611686018427387904}"#)
            .replacingOccurrences(of: #""shape": [2, 4], "kind""#, with: #""bytes": 4611686018427387904, "kind""#)
        #expect(graphError(huge) == .invalidValue(SourceLocation(file: "g.json", path: "tensors[0].bytes"),
                                                  reason: "the tensors up to 'x' total more than 9007199254740992 bytes (2^53, 8 PiB), the largest total this tool plans"))
        #expect(Tensor(name: "t", bytes: 8, shape: [Int.max, 2]).elementCount == Int.max)
    }

    /// Costs are bounded (issue 18): a layer's flops or time above 10^30, FLOPs computed from
    /// huge shapes, and node-link costs above it are errors with the path; at the limit on every
    /// layer, the totals stay finite.
    @Test func costsAreBounded() throws {
        let flops = Self.valid.replacingOccurrences(of: #""outputs": ["y"]}"#, with: #""outputs": ["y"], "flops": 1e31}"#)
        #expect(graphError(flops) == .invalidValue(SourceLocation(file: "g.json", path: "layers[0].flops"),
                                                   reason: "flops must be a non-negative number at most 1e30, got 1e+31"))
        let time = Self.valid.replacingOccurrences(of: #""outputs": ["y"]}"#, with: #""outputs": ["y"], "time": 1e308}"#)
        #expect(graphError(time) == .invalidValue(SourceLocation(file: "g.json", path: "layers[0].time"),
                                                  reason: "time must be a non-negative number of seconds at most 1e30, got 1e+308"))
        let matmul = """
        {"tensors": [{"name": "a", "shape": [1048576, 1048576], "dtype": "int8", "kind": "input"},
                     {"name": "w", "shape": [1048576, 1048576], "dtype": "int8", "kind": "parameter"},
                     {"name": "y", "shape": [1048576, 1048576], "dtype": "int8"}],
         "layers": [{"name": "mm", "op": "matmul", "inputs": ["a", "w"], "outputs": ["y"]}]}
        """
        // 2^20 · 2^20 · 2^20 MACs = 1.15e18: within the limit, and finite.
        #expect(try parseGraph(matmul).layers.count == 1)
        let atLimit = """
        {"tensors": [{"name": "x", "shape": [4], "kind": "input"}, {"name": "y", "shape": [4]}, {"name": "z", "shape": [4]}],
         "layers": [{"name": "a", "op": "relu", "inputs": ["x"], "outputs": ["y"], "flops": 1e30, "time": 1e30},
                    {"name": "b", "op": "relu", "inputs": ["y"], "outputs": ["z"], "flops": 1e30, "time": 1e30}]}
        """
        let g = try parseGraph(atLimit)
        let totals = try GraphAnalysis(graph: g).totals
        #expect(totals.forwardFLOPs == 2e30)
        let node = try JSONValue.parse(#"{"nodes": [{"id": 0, "name": "a", "cost_cpu": 1e31, "cost_ram": 8}], "links": []}"#)
        #expect(throws: GraphError.invalidValue(SourceLocation(file: "c.json", path: "nodes[0].cost_cpu"),
                                                reason: "node 'a' has cost_cpu 1e+31; costs must be non-negative and at most 1e30")) {
            try ComputeGraph(nodeLinkJSON: node, file: "c.json")
        }
    }

    @Test func malformedJSON() {
        let e = graphError("{\"name\": \"x\",\n \"tensors\": [}")
        guard case .malformedJSON(let file, let line, let column, _)? = e else { Issue.record("got \(String(describing: e))"); return }
        #expect(file == "g.json")
        #expect(line == 2 && column == 14)
        #expect(e!.description.hasPrefix("g.json:2:14: malformed JSON"))
    }

    @Test func unknownTensorName() {
        let e = graphError(Self.valid.replacingOccurrences(of: #""inputs": ["x"]"#, with: #""inputs": ["x", "nope"]"#))
        #expect(e == .unknownTensor(SourceLocation(file: "g.json", path: "layers[0].inputs[1]"), name: "nope"))
        #expect(e!.description == "g.json: layers[0].inputs[1]: unknown tensor 'nope' (not declared in \"tensors\")")
    }

    @Test func unknownOutputName() {
        let e = graphError(Self.valid.replacingOccurrences(of: "\"layers\"", with: "\"outputs\": [\"z\"], \"layers\""))
        #expect(e == .unknownTensor(SourceLocation(file: "g.json", path: "outputs[0]"), name: "z"))
    }

    @Test func tensorProducedTwice() {
        let text = """
        {"tensors": [{"name": "x", "shape": [4], "kind": "input"}, {"name": "y", "shape": [4]}],
         "layers": [{"name": "a", "op": "relu", "inputs": ["x"], "outputs": ["y"]},
                    {"name": "b", "op": "relu", "inputs": ["x"], "outputs": ["y"]}]}
        """
        let e = graphError(text)
        #expect(e == .producedTwice(SourceLocation(file: "g.json", path: "layers[1].outputs[0]"), tensor: "y", firstProducer: "a"))
        #expect(e!.description.contains("already produced by layer 'a'"))
    }

    @Test func cycle() {
        let text = """
        {"tensors": [{"name": "x", "shape": [4], "kind": "input"}, {"name": "a", "shape": [4]},
                     {"name": "b", "shape": [4]}, {"name": "c", "shape": [4]}],
         "layers": [{"name": "A", "op": "add", "inputs": ["x", "c"], "outputs": ["a"]},
                    {"name": "B", "op": "relu", "inputs": ["a"], "outputs": ["b"]},
                    {"name": "C", "op": "relu", "inputs": ["b"], "outputs": ["c"]}]}
        """
        let e = graphError(text)
        guard case .cycle(let layers, let file)? = e else { Issue.record("got \(String(describing: e))"); return }
        #expect(file == "g.json")
        #expect(Set(layers) == ["A", "B", "C"])
        #expect(e!.description.contains("the graph has a cycle"))
    }

    @Test func selfLoop() {
        let text = """
        {"tensors": [{"name": "a", "shape": [4]}],
         "layers": [{"name": "A", "op": "relu", "inputs": ["a"], "outputs": ["a"]}]}
        """
        #expect(graphError(text) == .cycle(layers: ["A"], file: "g.json"))
    }

    @Test(arguments: [
        (#"{"name": "y", "shape": [2, 0]}"#, "tensors[1].shape[1]"),
        (#"{"name": "y", "shape": [-2, 4]}"#, "tensors[1].shape[0]"),
        (#"{"name": "y", "bytes": 0}"#, "tensors[1].bytes"),
        (#"{"name": "y", "bytes": -16}"#, "tensors[1].bytes"),
    ])
    func nonPositiveSizes(tensor: String, path: String) {
        let e = graphError(Self.valid.replacingOccurrences(of: #"{"name": "y", "shape": [2, 4]}"#, with: tensor))
        guard case .invalidValue(let loc, let reason)? = e else { Issue.record("got \(String(describing: e))"); return }
        #expect(loc == SourceLocation(file: "g.json", path: path))
        #expect(reason.contains("must be positive"))
    }

    @Test func unknownDType() {
        let e = graphError(Self.valid.replacingOccurrences(of: #""shape": [2, 4]}]"#, with: #""shape": [2, 4], "dtype": "float13"}]"#))
        guard case .invalidValue(let loc, let reason)? = e else { Issue.record("got \(String(describing: e))"); return }
        #expect(loc.path == "tensors[1].dtype")
        #expect(reason.contains("unknown dtype 'float13'"))
    }

    @Test func duplicateTensorName() {
        let e = graphError(Self.valid.replacingOccurrences(of: #"{"name": "y", "shape": [2, 4]}"#, with: #"{"name": "y", "shape": [2, 4]}, {"name": "x", "shape": [1]}"#))
        #expect(e == .duplicateName(SourceLocation(file: "g.json", path: "tensors[2].name"), name: "x", firstAt: "tensors[0]"))
    }

    @Test func duplicateLayerName() {
        let text = """
        {"tensors": [{"name": "x", "shape": [4], "kind": "input"}, {"name": "y", "shape": [4]}, {"name": "z", "shape": [4]}],
         "layers": [{"name": "a", "op": "relu", "inputs": ["x"], "outputs": ["y"]},
                    {"name": "a", "op": "relu", "inputs": ["y"], "outputs": ["z"]}]}
        """
        #expect(graphError(text) == .duplicateName(SourceLocation(file: "g.json", path: "layers[1].name"), name: "a", firstAt: "layers[0]"))
    }

    @Test func emptyGraph() {
        let e = graphError(#"{"tensors": [], "layers": []}"#)
        #expect(e == .emptyGraph(file: "g.json"))
        #expect(e!.description == "g.json: layers: the graph has no layers")
    }

    @Test func undeterminableCost() {
        let e = graphError(Self.valid.replacingOccurrences(of: #""op": "relu""#, with: #""op": "my_custom_op""#))
        guard case .undeterminableCost(let loc, let layer, let op, _)? = e else { Issue.record("got \(String(describing: e))"); return }
        #expect(loc.path == "layers[0]" && layer == "r" && op == "my_custom_op")
        #expect(e!.description.contains("give \"flops\" or \"time\""))
        // Either override makes it acceptable.
        #expect(graphError(Self.valid.replacingOccurrences(of: #""op": "relu""#, with: #""op": "my_custom_op", "flops": 10"#)) == nil)
        #expect(graphError(Self.valid.replacingOccurrences(of: #""op": "relu""#, with: #""op": "my_custom_op", "time": 0.001"#)) == nil)
    }

    @Test func convolutionWithoutShapesHasNoCost() {
        let text = """
        {"tensors": [{"name": "x", "bytes": 64, "kind": "input"}, {"name": "w", "bytes": 64, "kind": "parameter"}, {"name": "y", "bytes": 64}],
         "layers": [{"name": "c", "op": "conv2d", "inputs": ["x", "w"], "outputs": ["y"]}]}
        """
        guard case .undeterminableCost(_, "c", "conv2d", let reason)? = graphError(text) else { Issue.record("expected undeterminableCost"); return }
        #expect(reason.contains("shape"))
    }

    @Test func missingFieldAndWrongType() {
        #expect(graphError(#"{"tensors": []}"#) == .missingField(SourceLocation(file: "g.json", path: "layers")))
        #expect(graphError(Self.valid.replacingOccurrences(of: #""shape": [2, 4]}]"#, with: #""shape": "2x4"}]"#))
                == .wrongType(SourceLocation(file: "g.json", path: "tensors[1].shape"), expected: "an array", found: "a string"))
        #expect(graphError(Self.valid.replacingOccurrences(of: #""shape": [2, 4]}]"#, with: #""shape": [2, 4.5]}]"#))
                == .wrongType(SourceLocation(file: "g.json", path: "tensors[1].shape[1]"), expected: "an integer", found: "4.5"))
        #expect(graphError("[1, 2]") == .wrongType(SourceLocation(file: "g.json", path: ""), expected: "an object", found: "an array"))
    }

    @Test func misspeltFieldIsRejected() {
        let e = graphError(Self.valid.replacingOccurrences(of: #""outputs": ["y"]"#, with: #""output": ["y"]"#))
        guard case .invalidValue(let loc, let reason)? = e else { Issue.record("got \(String(describing: e))"); return }
        #expect(loc.path == "layers[0].output")
        #expect(reason.contains("unknown field \"output\""))
    }

    @Test func activationWithoutProducer() {
        let e = graphError(Self.valid.replacingOccurrences(of: #""kind": "input""#, with: #""kind": "activation""#))
        #expect(e == .notProduced(SourceLocation(file: "g.json", path: "tensors[0]"), tensor: "x", kind: .activation))
    }

    @Test func layerMayNotWriteAParameter() {
        let e = graphError(Self.valid.replacingOccurrences(of: #"{"name": "y", "shape": [2, 4]}"#, with: #"{"name": "y", "shape": [2, 4], "kind": "parameter"}"#))
        guard case .invalidValue(let loc, _)? = e else { Issue.record("got \(String(describing: e))"); return }
        #expect(loc.path == "layers[0].outputs[0]")
    }

    @Test func unreadableFile() {
        #expect(throws: GraphError.unreadable(file: "/nonexistent/g.json", reason: "no such file")) {
            try ComputeGraph.load(contentsOf: "/nonexistent/g.json")
        }
    }
}
