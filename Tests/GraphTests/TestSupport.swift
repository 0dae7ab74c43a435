import Foundation
@testable import Graph

/// The repository root, for reading the bundled fixtures.
let repositoryRoot: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

func fixturePath(_ relative: String) -> String { repositoryRoot.appendingPathComponent(relative).path }

/// Parses a native-format document given as text, as if read from `g.json`.
func parseGraph(_ text: String, inference: Bool = false) throws(GraphError) -> ComputeGraph {
    let root: JSONValue
    do {
        root = try JSONValue.parse(text)
    } catch {
        throw .malformedJSON(file: "g.json", line: error.line, column: error.column, reason: error.message)
    }
    return try ComputeGraph(nativeJSON: root, file: "g.json", inference: inference)
}

/// The error a document raises, or nil when it is accepted.
func graphError(_ text: String) -> GraphError? {
    do {
        _ = try parseGraph(text)
        return nil
    } catch {
        return error
    }
}
