/// A point in time by which a solver must return, or none.
///
/// Every solver takes one — the baselines as much as the MILP — so that `--time-limit` bounds
/// the whole plan: a search that reaches its deadline stops and reports the best it has. A
/// deadline also counts as passed once the process's ``MemoryLimit`` is reached.
public struct Deadline: Sendable, Hashable {
    /// The instant, or `nil` for no deadline.
    public let instant: ContinuousClock.Instant?

    /// No deadline.
    public static let none = Deadline(instant: nil)

    public init(instant: ContinuousClock.Instant?) {
        self.instant = instant
    }

    /// The longest deadline, 10^9 s (about 31 years): a longer one is this one (a `Duration`
    /// cannot hold every `Double` of seconds).
    public static let longestSeconds = 1e9

    /// `seconds` from now (negative and NaN as 0, at most ``longestSeconds``); `nil` for no
    /// deadline.
    public init(secondsFromNow seconds: Double?) {
        instant = seconds.map { s in
            let clamped = s.isNaN ? 0 : min(max(0, s), Self.longestSeconds)
            return ContinuousClock.now.advanced(by: .seconds(clamped))
        }
    }

    /// Whether the deadline has passed, or the installed memory limit is reached.
    public var hasPassed: Bool {
        if MemoryLimit.installedIsReached { return true }
        guard let instant else { return false }
        return ContinuousClock.now >= instant
    }

    /// Seconds left (never negative; 0 once the memory limit is reached); `nil` for no deadline.
    public var secondsLeft: Double? {
        if MemoryLimit.installedIsReached { return 0 }
        return instant.map { max(0, ($0 - ContinuousClock.now).seconds) }
    }
}
