/// Parsing and printing of the quantities the tool deals in: bytes, operations, seconds.
public enum Units {
    static let byteSuffixes: [(String, Double)] = [
        ("kib", 1024), ("mib", 1_048_576), ("gib", 1_073_741_824), ("tib", 1_099_511_627_776),
        ("kb", 1e3), ("mb", 1e6), ("gb", 1e9), ("tb", 1e12),
        ("k", 1024), ("m", 1_048_576), ("g", 1_073_741_824), ("t", 1_099_511_627_776), ("b", 1),
    ]

    /// Parses a byte count: a whole number of bytes, or a number with a unit — binary
    /// (`KiB`, `MiB`, `GiB`, `TiB`, and the bare `K`, `M`, `G`, `T`) or decimal (`kB`, `MB`,
    /// `GB`, `TB`), case-insensitive, spaces allowed (`6GiB`, `1.5 GB`, `320KiB`).
    /// - Returns: the number of bytes, rounded down, or `nil` if the text is not a byte count.
    public static func parseBytes(_ text: String) -> Int? {
        let s = text.trimmingWhitespace().lowercased()
        for (suffix, factor) in byteSuffixes where s.hasSuffix(suffix) {
            let number = String(s.dropLast(suffix.count)).trimmingWhitespace()
            guard isDecimal(number), let v = Double(number), v >= 0, v.isFinite else { return nil }
            let bytes = v * factor
            guard bytes < 9.0e18 else { return nil }
            return Int(bytes)
        }
        guard isDecimal(s), let v = Double(s), v >= 0, v.rounded() == v, v < 9.0e18 else { return nil }
        return Int(v)
    }

    /// Whether text is a plain decimal number (digits, one point, an exponent): not hexadecimal
    /// (`0x10`, which `Double` would read as 16), `nan` or `inf`.
    public static func isDecimal(_ text: String) -> Bool {
        guard let first = text.first, first.isASCII, first.isNumber || first == "." else { return false }
        return text.allSatisfy { $0.isASCII && ($0.isNumber || ".eE+-".contains($0)) }
    }

    /// A byte count in binary units with three significant digits: `512 B`, `1.50 KiB`, `98.0 MiB`.
    public static func bytes(_ n: Int) -> String { bytes(Double(n)) }

    /// A byte count in binary units; see ``bytes(_:)-(Int)``.
    public static func bytes(_ n: Double) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"]
        var v = n
        var k = 0
        guard v.isFinite else { return "\(v) B" }
        while abs(v) >= 1024, k < units.count - 1 { v /= 1024; k += 1 }
        return k == 0 ? "\(Int(v)) B" : "\(significant(v)) \(units[k])"
    }

    /// A bandwidth in decimal units, as datasheets give them: `64.0 GB/s`, `500 MB/s`.
    public static func rate(_ bytesPerSecond: Double) -> String {
        let units = ["B/s", "kB/s", "MB/s", "GB/s", "TB/s", "PB/s"]
        var v = bytesPerSecond
        var k = 0
        while abs(v) >= 1000, k < units.count - 1 { v /= 1000; k += 1 }
        return "\(significant(v)) \(units[k])"
    }

    /// An operation count with decimal prefixes: `950`, `3.70 M`, `15.5 G`.
    public static func count(_ n: Double) -> String {
        let units = ["", " k", " M", " G", " T", " P", " E"]
        var v = n
        var k = 0
        while abs(v) >= 1000, k < units.count - 1 { v /= 1000; k += 1 }
        return k == 0 ? (v.rounded() == v ? "\(Int(v))" : significant(v)) : significant(v) + units[k]
    }

    /// A count with its unit: `512 FLOP`, `43.7 kFLOP` (the prefix joins the unit).
    public static func count(_ n: Double, unit: String) -> String {
        let c = count(n)
        return c.contains(" ") ? c + unit : c + " " + unit
    }

    /// A duration: `850 ns`, `12.3 µs`, `4.50 ms`, `2.10 s`.
    public static func seconds(_ s: Double) -> String {
        if s == 0 { return "0 s" }
        let a = abs(s)
        if a < 1e-6 { return "\(significant(s * 1e9)) ns" }
        if a < 1e-3 { return "\(significant(s * 1e6)) µs" }
        if a < 1 { return "\(significant(s * 1e3)) ms" }
        return "\(significant(s)) s"
    }

    /// Three significant digits, without exponent, for magnitudes below 10⁶.
    public static func significant(_ v: Double) -> String {
        let a = abs(v)
        let decimals = a >= 100 ? 0 : a >= 10 ? 1 : 2
        return fixed(v, decimals: decimals)
    }

    /// A number with a fixed count of decimals.
    public static func fixed(_ v: Double, decimals: Int) -> String {
        guard v.isFinite else { return "\(v)" }
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let r = (abs(v) * scale).rounded()
        // Beyond exact integers: the shortest exact decimal form, with an exponent.
        guard r < 9.0e15 else { return "\(v)" }
        let whole = Int(r / scale)
        let frac = Int(r - Double(whole) * scale)
        let sign = v < 0 && r > 0 ? "-" : ""
        guard decimals > 0 else { return sign + String(whole) }
        let f = String(frac)
        return sign + String(whole) + "." + String(repeating: "0", count: decimals - f.count) + f
    }
}

extension String {
    func trimmingWhitespace() -> String {
        var s = Substring(self)
        while let c = s.first, c.isWhitespace { s.removeFirst() }
        while let c = s.last, c.isWhitespace { s.removeLast() }
        return String(s)
    }
}
