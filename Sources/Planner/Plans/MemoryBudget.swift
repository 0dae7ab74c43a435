import Graph

/// A memory budget as a user states it: bytes, or a share of the checkpoint-all peak.
public enum MemoryBudget: Sendable, Hashable, CustomStringConvertible {
    case bytes(Int)
    /// A fraction of the keep-everything (checkpoint-all) peak; `0.4` for `40%`.
    case fractionOfPeak(Double)

    /// The largest percentage a budget may be (10,000 times the peak).
    public static let largestPercentage = 1_000_000.0

    /// Parses `6GiB`, `512MiB`, `1.5 GB`, `123456` (bytes) or `40%`.
    public init?(_ text: String) {
        let s = trimmed(Substring(text))
        if s.hasSuffix("%") {
            let number = trimmed(s.dropLast())
            guard Units.isDecimal(number), let p = Double(number), p > 0, p <= Self.largestPercentage else { return nil }
            self = .fractionOfPeak(p / 100)
        } else if let b = Units.parseBytes(s), b > 0 {
            self = .bytes(b)
        } else {
            return nil
        }
    }

    /// The budget in bytes, given the checkpoint-all peak.
    public func resolve(checkpointAllPeak: Int) -> Int {
        switch self {
        case .bytes(let b): b
        case .fractionOfPeak(let f): Int(min((Double(checkpointAllPeak) * f).rounded(.down), 9.0e18))
        }
    }

    public var description: String {
        switch self {
        case .bytes(let b): Units.bytes(b)
        case .fractionOfPeak(let f): "\(Units.significant(f * 100))% of the checkpoint-all peak"
        }
    }
}

private func trimmed(_ s: Substring) -> String {
    var s = s
    while let c = s.first, c.isWhitespace { s.removeFirst() }
    while let c = s.last, c.isWhitespace { s.removeLast() }
    return String(s)
}
