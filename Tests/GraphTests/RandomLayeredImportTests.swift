import Testing
@testable import Graph

/// Import of Moccasin's random-layered DAGs (integer node names, links keyed "0" and "1",
/// the order of first computation in graph.order).
@Suite("Random-layered import")
struct RandomLayeredImportTests {
    // Node 3 comes before node 2 in graph.order, which is still topological (3 reads only 0).
    static let doc = """
    {"directed": true, "multigraph": false, "graph": {"name": "rl_tiny", "order": [0, 1, 3, 2, 4]},
     "nodes": [{"name": 0, "out_cost": 40, "duration": 3, "param_cost": 8},
               {"name": 1, "out_cost": 24, "duration": 5, "param_cost": 0},
               {"name": 2, "out_cost": 32, "duration": 2, "param_cost": 0},
               {"name": 3, "out_cost": 16, "duration": 4, "param_cost": 8},
               {"name": 4, "out_cost": 8, "duration": 1, "param_cost": 0}],
     "links": [{"0": 0, "1": 1}, {"0": 1, "1": 2}, {"0": 0, "1": 3}, {"0": 3, "1": 2}, {"0": 2, "1": 4}, {"0": 0, "1": 4}]}
    """

    @Test func nodesBecomeForwardLayersInTheGivenOrder() throws {
        let root = try JSONValue.parse(Self.doc)
        #expect(ComputeGraph.isRandomLayeredDocument(root))
        let g = try ComputeGraph(randomLayeredJSON: root, file: "rl.json")
        #expect(g.name == "rl_tiny")
        #expect(g.layers.map(\.name) == ["n0", "n1", "n3", "n2", "n4"])
        #expect(g.layers.allSatisfy { $0.phase == .forward && $0.op == "opaque" })
        #expect(g.layers.map(\.time) == [3, 5, 4, 2, 1])
        #expect(g.layers[3].inputs == ["n1", "n3"])
        #expect(g.outputs.map { g.tensors[$0].name } == ["n4"])
        // Keep everything in that order: n0 lives to n4, n1 and n3 to n2.
        // n0: 40; n1: 64; n3: 80; n2: 40+24+16+32 = 112; n4: 40+32+8 = 80.
        #expect(g.keepEverythingProfile().bytesDuringLayer == [40, 64, 80, 112, 80])
        // Through the loader, which tells the formats apart by content.
        #expect(!ComputeGraph.isRandomLayeredDocument(try JSONValue.parse(CheckmateImportTests.doc)))
    }

    @Test func errorsNameTheFieldAndTheReason() throws {
        func error(_ text: String) -> GraphError? {
            do { _ = try ComputeGraph(randomLayeredJSON: JSONValue.parse(text), file: "rl.json"); return nil } catch { return error as? GraphError }
        }
        #expect(error(Self.doc.replacingOccurrences(of: #""out_cost": 16"#, with: #""out_cost": 1e300"#))
                == .invalidValue(SourceLocation(file: "rl.json", path: "nodes[3].out_cost"),
                                 reason: "node 3 has out_cost 1e+300; sizes must be whole bytes from 1 to 2^53"))
        #expect(error(Self.doc.replacingOccurrences(of: #""order": [0, 1, 3, 2, 4]"#, with: #""order": [0, 2, 1, 3, 4]"#))
                == .invalidValue(SourceLocation(file: "rl.json", path: "graph.order"),
                                 reason: "is not a topological order: node 2 comes before node 1, which it reads (links[1])"))
        #expect(error(Self.doc.replacingOccurrences(of: #""order": [0, 1, 3, 2, 4]"#, with: #""order": [0, 1, 3, 2]"#))
                == .invalidValue(SourceLocation(file: "rl.json", path: "graph.order"), reason: "lists 4 nodes; the graph has 5"))
        #expect(error(Self.doc.replacingOccurrences(of: #"{"0": 2, "1": 4}"#, with: #"{"0": 2, "1": 7}"#))
                == .invalidValue(SourceLocation(file: "rl.json", path: "links[4].1"), reason: "no node has name 7"))
        #expect(error(Self.doc.replacingOccurrences(of: #""duration": 2,"#, with: #""duration": -2,"#))
                == .invalidValue(SourceLocation(file: "rl.json", path: "nodes[2].duration"),
                                 reason: "node 2 has duration -2.0; costs must be non-negative and at most 1e30"))
    }
}
