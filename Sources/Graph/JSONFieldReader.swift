/// Typed access to the members of a JSON object, with errors that carry the JSON path.
struct JSONFieldReader {
    let members: [String: JSONValue]
    let location: SourceLocation

    init(_ value: JSONValue, at location: SourceLocation) throws(GraphError) {
        guard let members = value.objectValue else {
            throw .wrongType(location, expected: "an object", found: value.typeName)
        }
        self.members = members
        self.location = location
    }

    func has(_ key: String) -> Bool {
        if let v = members[key], v != .null { return true }
        return false
    }

    func value(_ key: String) throws(GraphError) -> JSONValue {
        guard let v = members[key], v != .null else { throw .missingField(location.appending(key)) }
        return v
    }

    func string(_ key: String) throws(GraphError) -> String {
        let v = try value(key)
        guard let s = v.stringValue else { throw .wrongType(location.appending(key), expected: "a string", found: v.typeName) }
        return s
    }

    func optionalString(_ key: String) throws(GraphError) -> String? {
        has(key) ? try string(key) : nil
    }

    func number(_ key: String) throws(GraphError) -> Double {
        let v = try value(key)
        guard let d = v.doubleValue else { throw .wrongType(location.appending(key), expected: "a number", found: v.typeName) }
        return d
    }

    func optionalNumber(_ key: String) throws(GraphError) -> Double? {
        has(key) ? try number(key) : nil
    }

    func int(_ key: String) throws(GraphError) -> Int {
        let v = try value(key)
        guard let i = v.intValue else { throw .wrongType(location.appending(key), expected: "an integer", found: v.typeName == "a number" ? "\(v.doubleValue!)" : v.typeName) }
        return i
    }

    func optionalInt(_ key: String) throws(GraphError) -> Int? {
        has(key) ? try int(key) : nil
    }

    func bool(_ key: String) throws(GraphError) -> Bool {
        let v = try value(key)
        guard let b = v.boolValue else { throw .wrongType(location.appending(key), expected: "true or false", found: v.typeName) }
        return b
    }

    func array(_ key: String) throws(GraphError) -> [JSONValue] {
        let v = try value(key)
        guard let a = v.arrayValue else { throw .wrongType(location.appending(key), expected: "an array", found: v.typeName) }
        return a
    }

    func strings(_ key: String) throws(GraphError) -> [String] {
        let a = try array(key)
        var out: [String] = []
        out.reserveCapacity(a.count)
        for (i, v) in a.enumerated() {
            guard let s = v.stringValue else {
                throw .wrongType(location.appending(key).appending(index: i), expected: "a string", found: v.typeName)
            }
            out.append(s)
        }
        return out
    }

    func ints(_ key: String) throws(GraphError) -> [Int] {
        let a = try array(key)
        var out: [Int] = []
        out.reserveCapacity(a.count)
        for (i, v) in a.enumerated() {
            guard let n = v.intValue else {
                throw .wrongType(location.appending(key).appending(index: i), expected: "an integer", found: v.typeName == "a number" ? "\(v.doubleValue!)" : v.typeName)
            }
            out.append(n)
        }
        return out
    }

    /// Rejects members not in `known`, so that a misspelt field is an error rather than ignored.
    func rejectUnknown(_ known: Set<String>) throws(GraphError) {
        for key in members.keys.sorted() where !known.contains(key) {
            throw .invalidValue(location.appending(key), reason: "unknown field \"\(key)\" (known: \(known.sorted().joined(separator: ", ")))")
        }
    }
}
