/// One level of a device's memory hierarchy.
public struct MemoryLevel: Sendable, Hashable {
    /// What the memory is, such as `HBM3` or `on-chip SRAM`.
    public var name: String
    /// Bytes it holds.
    public var capacityBytes: Int
    /// Bytes per second it delivers to the compute units (fast memory) or to the fast memory (slow memory).
    public var bandwidth: Double
    /// Copy engines between this level and the fast memory (slow memory only): 1, one engine that
    /// both directions share, one copy at a time; 2, one engine per direction, so that a load and
    /// an offload run at once, each at ``bandwidth`` (a full-duplex link such as PCIe with a copy
    /// engine each way).
    public var copyEngines: Int

    public init(name: String, capacityBytes: Int, bandwidth: Double, copyEngines: Int = 1) {
        self.name = name
        self.capacityBytes = capacityBytes
        self.bandwidth = bandwidth
        self.copyEngines = copyEngines
    }
}

/// A device for planning: its compute rate and its two memories.
///
/// The fast memory (`on_chip`: SRAM on an accelerator, HBM on a GPU) is where layers compute;
/// the slow memory (`off_chip`: LPDDR or flash, host memory over PCIe) is larger and holds what
/// does not fit. The format is documented in docs/hardware-format.md.
public struct Hardware: Sendable, Hashable {
    /// The device's name.
    public var name: String
    /// Peak operations per second by element type.
    public var peakFLOPS: [DType: Double]
    /// Peak for element types not in ``peakFLOPS``, if any.
    public var defaultPeakFLOPS: Double?
    /// The fast memory.
    public var onChip: MemoryLevel
    /// The slow memory.
    public var offChip: MemoryLevel
    /// Where the figures come from.
    public var sources: [String]

    public init(name: String, peakFLOPS: [DType: Double], defaultPeakFLOPS: Double? = nil, onChip: MemoryLevel, offChip: MemoryLevel, sources: [String] = []) {
        self.name = name
        self.peakFLOPS = peakFLOPS
        self.defaultPeakFLOPS = defaultPeakFLOPS
        self.onChip = onChip
        self.offChip = offChip
        self.sources = sources
    }

    /// The peak rate for an element type, or `nil` when the device gives none for it.
    public func peak(for dtype: DType) -> Double? { peakFLOPS[dtype] ?? defaultPeakFLOPS }

    /// The ridge point of the roofline: operations per byte of fast-memory traffic above which a
    /// layer is compute-bound.
    public func ridgePoint(for dtype: DType) -> Double? { peak(for: dtype).map { $0 / onChip.bandwidth } }
}

extension Hardware {
    /// Reads a hardware description (docs/hardware-format.md).
    /// - Throws: ``GraphError`` naming the file, the JSON path and the reason.
    public static func load(contentsOf path: String) throws(GraphError) -> Hardware {
        try Hardware(json: ComputeGraph.readJSON(path: path), file: path)
    }

    /// Reads a hardware description from a parsed document.
    public init(json: JSONValue, file: String? = nil) throws(GraphError) {
        let doc = try JSONFieldReader(json, at: SourceLocation(file: file))
        try doc.rejectUnknown(["name", "peak_flops", "on_chip", "off_chip", "sources", "notes"])
        let name = try doc.string("name")
        let peakValue = try doc.value("peak_flops")
        var peaks: [DType: Double] = [:]
        var defaultPeak: Double?
        func positive(_ v: JSONValue, at loc: SourceLocation) throws(GraphError) -> Double {
            guard let d = v.doubleValue else { throw .wrongType(loc, expected: "a number of operations per second", found: v.typeName) }
            guard d >= 1, d <= 1e30 else { throw .invalidValue(loc, reason: "peak must be from 1 to 1e30 operations per second, got \(d)") }
            return d
        }
        let peakLoc = doc.location.appending("peak_flops")
        if let map = peakValue.objectValue {
            for key in map.keys.sorted() {
                let loc = peakLoc.appending(key)
                if key == "default" { defaultPeak = try positive(map[key]!, at: loc); continue }
                guard let dtype = DType(name: key) else {
                    throw .invalidValue(loc, reason: "unknown dtype '\(key)' (known: \(DType.allCases.map(\.rawValue).joined(separator: ", ")), default)")
                }
                peaks[dtype] = try positive(map[key]!, at: loc)
            }
            guard !peaks.isEmpty || defaultPeak != nil else { throw .invalidValue(peakLoc, reason: "give at least one peak") }
        } else {
            defaultPeak = try positive(peakValue, at: peakLoc)
        }
        func level(_ key: String) throws(GraphError) -> MemoryLevel {
            let r = try JSONFieldReader(try doc.value(key), at: doc.location.appending(key))
            try r.rejectUnknown(key == "off_chip" ? ["name", "capacity", "bandwidth", "copy_engines", "notes"] : ["name", "capacity", "bandwidth", "notes"])
            let cap = try r.value("capacity")
            let capacity: Int
            if let s = cap.stringValue {
                guard let b = Units.parseBytes(s) else {
                    throw .invalidValue(r.location.appending("capacity"), reason: "'\(s)' is not a byte count (examples: 8388608, \"8MiB\", \"80GB\")")
                }
                capacity = b
            } else if let b = cap.intValue {
                capacity = b
            } else {
                throw .wrongType(r.location.appending("capacity"), expected: "a number of bytes or a string such as \"8MiB\"", found: cap.typeName)
            }
            guard capacity > 0 else { throw .invalidValue(r.location.appending("capacity"), reason: "capacity must be positive, got \(capacity)") }
            let bandwidth = try r.number("bandwidth")
            guard bandwidth >= 1, bandwidth <= 1e30 else {
                throw .invalidValue(r.location.appending("bandwidth"), reason: "bandwidth must be from 1 to 1e30 bytes per second, got \(bandwidth)")
            }
            var engines = 1
            if r.has("copy_engines") {
                let v = try r.value("copy_engines")
                guard let e = v.intValue else {
                    throw .wrongType(r.location.appending("copy_engines"), expected: "1 or 2", found: v.typeName)
                }
                guard e == 1 || e == 2 else {
                    throw .invalidValue(r.location.appending("copy_engines"),
                                        reason: "copy_engines must be 1 (both directions share one engine) or 2 (one per direction), got \(e)")
                }
                engines = e
            }
            return MemoryLevel(name: try r.optionalString("name") ?? key, capacityBytes: capacity, bandwidth: bandwidth, copyEngines: engines)
        }
        let onChip = try level("on_chip")
        let offChip = try level("off_chip")
        var sources: [String] = []
        if doc.has("sources") { sources = try doc.strings("sources") }
        self.init(name: name, peakFLOPS: peaks, defaultPeakFLOPS: defaultPeak, onChip: onChip, offChip: offChip, sources: sources)
    }
}
