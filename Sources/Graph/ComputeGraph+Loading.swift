import Foundation

extension ComputeGraph {
    /// Reads a graph file, detecting its format: the native format, or networkx node-link JSON
    /// from Checkmate, or Moccasin's random-layered DAGs.
    ///
    /// - Parameter inference: price layers for inference (batch normalization as scale and shift).
    /// - Throws: ``GraphError`` naming the file, the JSON path or line and column, and the reason.
    public static func load(contentsOf path: String, inference: Bool = false) throws(GraphError) -> ComputeGraph {
        let root = try readJSON(path: path)
        if isRandomLayeredDocument(root) {
            let graph = try ComputeGraph(randomLayeredJSON: root, file: path)
            return inference ? try graph.inference() : graph
        }
        if isNodeLinkDocument(root) {
            let graph = try ComputeGraph(nodeLinkJSON: root, file: path)
            return inference ? try graph.inference() : graph
        }
        return try ComputeGraph(nativeJSON: root, file: path, inference: inference)
    }

    /// Reads and parses a JSON file, with errors that name the file.
    public static func readJSON(path: String) throws(GraphError) -> JSONValue {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            var isDir: ObjCBool = false
            let reason: String
            if !FileManager.default.fileExists(atPath: path, isDirectory: &isDir) {
                reason = "no such file"
            } else if isDir.boolValue {
                reason = "is a directory"
            } else {
                reason = "permission denied or unreadable"
            }
            throw .unreadable(file: path, reason: reason)
        }
        do {
            return try JSONValue.parse(data)
        } catch {
            throw .malformedJSON(file: path, line: error.line, column: error.column, reason: error.message)
        }
    }
}
