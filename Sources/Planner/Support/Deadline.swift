/// A point in time by which a solver must return, or none.
///
/// Every solver takes one — the baselines as much as the MILP — so that `--time-limit` bounds
/// the whole plan: a search that reaches its deadline stops and reports the best it has.
public struct Deadline: Sendable, Hashable {
    /// The instant, or `nil` for no deadline.
    public let instant: ContinuousClock.Instant?

    /// No deadline.
    public static let none = Deadline(instant: nil)

    public init(instant: ContinuousClock.Instant?) {
        self.instant = instant
    }

    /// `seconds` from now; `nil` for no deadline.
    public init(secondsFromNow seconds: Double?) {
        instant = seconds.map { ContinuousClock.now.advanced(by: .seconds(max(0, $0))) }
    }

    /// Whether the deadline has passed.
    public var hasPassed: Bool {
        guard let instant else { return false }
        return ContinuousClock.now >= instant
    }

    /// Seconds left (never negative); `nil` for no deadline.
    public var secondsLeft: Double? {
        instant.map { max(0, ($0 - ContinuousClock.now).seconds) }
    }
}
