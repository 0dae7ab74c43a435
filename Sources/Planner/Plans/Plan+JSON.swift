import Graph

extension Plan {
    /// The plan as a JSON document (docs/plan-format.md).
    public func json() -> JSONValue {
        var root: [String: JSONValue] = [
            "version": .number(Double(Plan.formatVersion)),
            "graph": .string(graph),
            "solver": .string(solver),
            "budget_bytes": budgetBytes.map { .number(Double($0)) } ?? .null,
            "steps": .array(steps.map { step in
                switch step {
                case .compute(let l): .object(["compute": .string(l)])
                case .free(let t): .object(["free": .string(t)])
                case .load(let t): .object(["load": .string(t)])
                case .evict(let t): .object(["evict": .string(t)])
                case .offload(let t): .object(["offload": .string(t)])
                }
            }),
        ]
        if let resident { root["resident"] = .array(resident.map { .string($0) }) }
        for (key, layout) in [("layout", layout), ("fast_layout", fastLayout), ("slow_layout", slowLayout)] {
            if let layout { root[key] = layout.json() }
        }
        if let s = summary {
            func num(_ d: Double?) -> JSONValue { d.map { $0.isFinite ? .number($0) : .null } ?? .null }
            root["summary"] = .object([
                "peak_bytes": .number(Double(s.peakBytes)), "compute_time": num(s.computeCost),
                "recompute_time": num(s.recomputeCost), "objective": num(s.objective), "lower_bound": num(s.lowerBound),
                "gap": num(s.gap), "status": .string(s.status), "solve_seconds": num(s.solveSeconds),
            ])
        }
        return .object(root)
    }

    /// Reads a plan document.
    /// - Throws: ``GraphError`` naming the file, the JSON path and the reason.
    public init(json: JSONValue, file: String? = nil) throws(GraphError) {
        let loc = SourceLocation(file: file)
        guard let root = json.objectValue else { throw .wrongType(loc, expected: "an object", found: json.typeName) }
        // The version is required and read strictly: 1 up to this tool's.
        guard let v = root["version"], v != .null else { throw .missingField(loc.appending("version")) }
        guard let n = v.intValue else { throw .wrongType(loc.appending("version"), expected: "an integer", found: v.typeName) }
        guard n >= 1 else {
            throw .invalidValue(loc.appending("version"), reason: "plan format version \(n) does not exist; versions start at 1")
        }
        guard n <= Plan.formatVersion else {
            throw .invalidValue(loc.appending("version"), reason: "plan format version \(n) is newer than this tool's (\(Plan.formatVersion))")
        }
        func string(_ key: String) throws(GraphError) -> String? {
            guard let v = root[key], v != .null else { return nil }
            guard let s = v.stringValue else { throw .wrongType(loc.appending(key), expected: "a string", found: v.typeName) }
            return s
        }
        var budget: Int?
        if let v = root["budget_bytes"], v != .null {
            guard let b = v.intValue, b > 0 else { throw .invalidValue(loc.appending("budget_bytes"), reason: "budget must be a positive whole number of bytes") }
            budget = b
        }
        guard let stepsValue = root["steps"] else { throw .missingField(loc.appending("steps")) }
        guard let stepValues = stepsValue.arrayValue else { throw .wrongType(loc.appending("steps"), expected: "an array", found: stepsValue.typeName) }
        var steps: [PlanStep] = []
        steps.reserveCapacity(stepValues.count)
        for (i, v) in stepValues.enumerated() {
            let sl = loc.appending("steps").appending(index: i)
            guard let o = v.objectValue, o.count == 1, let (key, value) = o.first else {
                throw .invalidValue(sl, reason: "a step is an object with one member: {\"compute\": LAYER}, or {\"free\" | \"load\" | \"evict\" | \"offload\": TENSOR}")
            }
            guard let name = value.stringValue else { throw .wrongType(sl.appending(key), expected: "a string", found: value.typeName) }
            switch key {
            case "compute": steps.append(.compute(name))
            case "free": steps.append(.free(name))
            case "load": steps.append(.load(name))
            case "evict": steps.append(.evict(name))
            case "offload": steps.append(.offload(name))
            default: throw .invalidValue(sl.appending(key), reason: "unknown step \"\(key)\" (known: compute, free, load, evict, offload)")
            }
        }
        self.init(graph: try string("graph") ?? "", solver: try string("solver") ?? "unknown", budgetBytes: budget, steps: steps)
        if let v = root["resident"], v != .null {
            guard let items = v.arrayValue else { throw .wrongType(loc.appending("resident"), expected: "an array of tensor names", found: v.typeName) }
            var names: [String] = []
            for (i, item) in items.enumerated() {
                guard let n = item.stringValue else { throw .wrongType(loc.appending("resident").appending(index: i), expected: "a string", found: item.typeName) }
                names.append(n)
            }
            resident = names
        }
        layout = try PlanLayout(json: root["layout"], at: loc.appending("layout"))
        fastLayout = try PlanLayout(json: root["fast_layout"], at: loc.appending("fast_layout"))
        slowLayout = try PlanLayout(json: root["slow_layout"], at: loc.appending("slow_layout"))
        if let v = root["summary"], v != .null {
            guard let s = v.objectValue else { throw .wrongType(loc.appending("summary"), expected: "an object", found: v.typeName) }
            // Recorded by the planner and printed again: each figure finite and in range, so
            // that nothing non-finite is printed from a plan file.
            let limits: [String: (range: ClosedRange<Double>, text: String)] = [
                "peak_bytes": (0...9_007_199_254_740_992, "0 to 2^53"), "compute_time": (0...1e40, "0 to 1e40"),
                "recompute_time": (0...1e40, "0 to 1e40"), "objective": (0...1e40, "0 to 1e40"),
                "lower_bound": (0...1e40, "0 to 1e40"), "gap": (0...1e6, "0 to 1e6"), "solve_seconds": (0...1e12, "0 to 1e12"),
            ]
            for key in limits.keys.sorted() {
                guard let value = s[key], value != .null else { continue }
                guard let number = value.doubleValue else { throw .wrongType(loc.appending("summary").appending(key), expected: "a number", found: value.typeName) }
                guard limits[key]!.range.contains(number) else {
                    throw .invalidValue(loc.appending("summary").appending(key), reason: "\(key) must be a number from \(limits[key]!.text), got \(number)")
                }
            }
            func d(_ k: String) -> Double? { s[k]?.doubleValue }
            summary = PlanSummary(peakBytes: s["peak_bytes"]?.intValue ?? 0, computeCost: d("compute_time") ?? 0, recomputeCost: d("recompute_time") ?? 0,
                                  objective: d("objective"), lowerBound: d("lower_bound"), gap: d("gap"),
                                  status: s["status"]?.stringValue ?? "unknown", solveSeconds: d("solve_seconds") ?? 0)
        }
    }

    /// Reads a plan file.
    public static func load(contentsOf path: String) throws(GraphError) -> Plan {
        try Plan(json: ComputeGraph.readJSON(path: path), file: path)
    }
}
