import Graph

extension PlanLayout {
    /// `{"alignment": A, "arena_bytes": N, "offsets": [{"step": i, "tensor": "name", "offset": o}, ...]}`.
    public func json() -> JSONValue {
        .object([
            "alignment": .number(Double(alignment)),
            "arena_bytes": .number(Double(arenaBytes)),
            "offsets": .array(offsets.map { .object(["step": .number(Double($0.step)), "tensor": .string($0.tensor), "offset": .number(Double($0.offset))]) }),
        ])
    }

    /// Reads a layout member of a plan file; `nil` when absent or null.
    /// - Throws: ``GraphError`` naming the JSON path and the reason.
    init?(json: JSONValue?, at loc: SourceLocation) throws(GraphError) {
        guard let json, json != .null else { return nil }
        guard let o = json.objectValue else { throw .wrongType(loc, expected: "an object", found: json.typeName) }
        func integer(_ v: JSONValue?, _ at: SourceLocation, _ range: ClosedRange<Int>, _ what: String) throws(GraphError) -> Int {
            guard let v, v != .null else { throw .missingField(at) }
            guard let n = v.intValue else { throw .wrongType(at, expected: "an integer", found: v.typeName) }
            guard range.contains(n) else { throw .invalidValue(at, reason: "\(what) must be from \(range.lowerBound) to \(range.upperBound), got \(n)") }
            return n
        }
        let largest = ComputeGraph.largestTotalBytes * 2
        let alignment = try integer(o["alignment"], loc.appending("alignment"), 1...(1 << 20), "the alignment")
        let arena = try integer(o["arena_bytes"], loc.appending("arena_bytes"), 0...largest, "arena_bytes")
        guard let list = o["offsets"] else { throw .missingField(loc.appending("offsets")) }
        guard let items = list.arrayValue else { throw .wrongType(loc.appending("offsets"), expected: "an array", found: list.typeName) }
        var entries: [Entry] = []
        entries.reserveCapacity(items.count)
        for (i, item) in items.enumerated() {
            let at = loc.appending("offsets").appending(index: i)
            guard let e = item.objectValue else { throw .wrongType(at, expected: "an object", found: item.typeName) }
            let step = try integer(e["step"], at.appending("step"), -1...Int(Int32.max), "a step index")
            guard let t = e["tensor"], t != .null else { throw .missingField(at.appending("tensor")) }
            guard let name = t.stringValue else { throw .wrongType(at.appending("tensor"), expected: "a string", found: t.typeName) }
            let offset = try integer(e["offset"], at.appending("offset"), 0...largest, "an offset")
            entries.append(Entry(step: step, tensor: name, offset: offset))
        }
        self.init(alignment: alignment, arenaBytes: arena, offsets: entries)
    }
}
