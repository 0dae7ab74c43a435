import Testing
@testable import Graph

/// Import of networkx node-link graphs as Checkmate and Moccasin publish them.
@Suite("Checkmate node-link import")
struct CheckmateImportTests {
    static let doc = """
    {"directed": true, "multigraph": false, "graph": {"name": "toy_train"},
     "nodes": [{"name": "conv", "backward": false, "cost_cpu": 10, "cost_ram": 400, "id": 0},
               {"name": "relu", "backward": false, "cost_cpu": 2, "cost_ram": 400, "id": 1},
               {"name": "loss", "backward": false, "cost_cpu": 1, "cost_ram": 4, "id": 2},
               {"name": "relu_grad", "backward": true, "cost_cpu": 3, "cost_ram": 400, "id": 3},
               {"name": "conv_grad", "backward": true, "cost_cpu": 20, "cost_ram": 400, "id": 4}],
     "links": [{"source": 0, "target": 1}, {"source": 1, "target": 2}, {"source": 2, "target": 3},
               {"source": 1, "target": 3}, {"source": 3, "target": 4}, {"source": 0, "target": 4}]}
    """

    @Test func nodesBecomeLayersWithOneOutputEach() throws {
        let root = try JSONValue.parse(Self.doc)
        #expect(ComputeGraph.isNodeLinkDocument(root))
        let g = try ComputeGraph(nodeLinkJSON: root, file: "toy.json")
        #expect(g.name == "toy_train")
        #expect(g.layers.map(\.name) == ["conv", "relu", "loss", "relu_grad", "conv_grad"])
        #expect(g.layers.map(\.phase) == [.forward, .forward, .forward, .backward, .backward])
        #expect(g.layers.map(\.time) == [10, 2, 1, 3, 20])
        #expect(g.layers[3].inputs == ["loss", "relu"])
        #expect(g.tensors.map(\.bytes) == [400, 400, 4, 400, 400])
        #expect(g.outputs.map { g.tensors[$0].name } == ["conv_grad"])
        // Keep everything: conv lives until conv_grad (step 4); relu until relu_grad (3).
        // Steps: 400, 800, 804, 400+400+4+400=1204, 400+400+400=1200.
        #expect(g.keepEverythingProfile().bytesDuringLayer == [400, 800, 804, 1204, 1200])
    }

    @Test func errorsNameTheNode() throws {
        let bad = Self.doc.replacingOccurrences(of: #""cost_ram": 4,"#, with: #""cost_ram": 0,"#)
        #expect(throws: GraphError.invalidValue(SourceLocation(file: "toy.json", path: "nodes[2].cost_ram"),
                                                reason: "node 'loss' has cost_ram 0.0; sizes must be whole bytes from 1 to 2^53")) {
            try ComputeGraph(nodeLinkJSON: JSONValue.parse(bad), file: "toy.json")
        }
        let dangling = Self.doc.replacingOccurrences(of: #"{"source": 0, "target": 4}"#, with: #"{"source": 0, "target": 9}"#)
        #expect(throws: GraphError.invalidValue(SourceLocation(file: "toy.json", path: "links[5].target"), reason: "no node has id 9")) {
            try ComputeGraph(nodeLinkJSON: JSONValue.parse(dangling), file: "toy.json")
        }
        let cyclic = Self.doc.replacingOccurrences(of: #"{"source": 0, "target": 4}"#, with: #"{"source": 4, "target": 0}"#)
        #expect(throws: GraphError.self) { try ComputeGraph(nodeLinkJSON: JSONValue.parse(cyclic), file: "toy.json") }
    }
}
