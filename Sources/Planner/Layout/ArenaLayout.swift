/// Where each instance of a ``LayoutProblem`` lives in one arena.
public struct ArenaLayout: Sendable, Hashable {
    /// The strategy that produced it (``LayoutStrategy``, with the one `best` chose).
    public var strategy: String
    /// The byte offset of each instance, in the problem's order; multiples of the alignment.
    public var offsets: [Int]
    /// The arena: the largest offset + aligned size.
    public var arenaBytes: Int
    /// The peak of the live bytes (unaligned), the plan's peak.
    public var peakLiveBytes: Int
    /// A proven lower bound on the arena of any layout, when the strategy has one better than
    /// the peak of the aligned live sizes (the MILP's bound).
    public var lowerBound: Int
    /// Whether the arena is proven the smallest possible (it meets the lower bound).
    public var isOptimal: Bool { arenaBytes <= lowerBound }
    /// Seconds the strategy took.
    public var seconds: Double

    /// arena / peak − 1: the share of the arena lost to holes and padding (0 when the peak is 0).
    public var fragmentation: Double {
        peakLiveBytes > 0 ? Double(arenaBytes) / Double(peakLiveBytes) - 1 : 0
    }
}
