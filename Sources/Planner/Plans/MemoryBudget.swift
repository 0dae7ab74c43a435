import Graph

/// A memory budget as a user states it: bytes, or a share of the checkpoint-all peak.
public enum MemoryBudget: Sendable, Hashable, CustomStringConvertible {
    case bytes(Int)
    /// A fraction of the keep-everything (checkpoint-all) peak; `0.4` for `40%`.
    case fractionOfPeak(Double)

    /// Parses `6GiB`, `512MiB`, `1.5 GB`, `123456` (bytes) or `40%`.
    public init?(_ text: String) {
        let s = trimmed(Substring(text))
        if s.hasSuffix("%") {
            guard let p = Double(trimmed(s.dropLast())), p > 0, p.isFinite else { return nil }
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
        case .fractionOfPeak(let f): Int((Double(checkpointAllPeak) * f).rounded(.down))
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
