import Graph

/// The instances of one memory level of a plan, to be placed in one arena.
///
/// Sizes are rounded up to the alignment, and offsets are multiples of it; the peak of the live
/// bytes is measured on the sizes before rounding, so the fragmentation a layout reports includes
/// the padding.
public struct LayoutProblem: Sendable {
    /// The instances, in the order the plan makes them.
    public let instances: [TensorInstance]
    /// Offsets are multiples of this many bytes, sizes rounded up to it.
    public let alignment: Int
    /// Each instance's size rounded up to the alignment.
    public let sizes: [Int]
    /// For each instance, the instances live at the same time (compressed rows).
    let conflictStart: [Int]
    let conflictList: [Int32]

    /// The most pairs of instances live at the same time that a layout is built for (its
    /// conflict lists take 8 bytes a pair).
    public static let maximumConflictPairs = 20_000_000

    /// - Throws: ``PlanError/invalidRequest(_:)`` for an alignment outside 1...2^20, a size that
    ///   overflows when aligned, or more than ``maximumConflictPairs`` pairs of live instances.
    /// - Complexity: O(n log n + pairs live together).
    public init(instances: [TensorInstance], alignment: Int) throws(PlanError) {
        guard alignment >= 1, alignment <= 1 << 20 else {
            throw .invalidRequest("the alignment must be from 1 to 1048576 bytes, got \(alignment)")
        }
        var sizes: [Int] = []
        sizes.reserveCapacity(instances.count)
        for i in instances {
            guard i.bytes >= 0, i.bytes <= ComputeGraph.largestTotalBytes else {
                throw .invalidRequest("tensor '\(i.name)' has \(i.bytes) bytes; sizes are from 0 to 2^53")
            }
            sizes.append((i.bytes + alignment - 1) / alignment * alignment)
        }
        // Sweep in start order; the active set holds the instances not yet ended.
        let order = instances.indices.sorted { (instances[$0].start, $0) < (instances[$1].start, $1) }
        var rows = [[Int32]](repeating: [], count: instances.count)
        var active: [Int] = []
        var pairs = 0
        for i in order {
            let s = instances[i].start
            active.removeAll { instances[$0].end <= s }
            if sizes[i] > 0 {
                for j in active where sizes[j] > 0 {
                    rows[i].append(Int32(j))
                    rows[j].append(Int32(i))
                }
                pairs += active.count
                guard pairs <= Self.maximumConflictPairs else {
                    throw .invalidRequest("more than \(Self.maximumConflictPairs) pairs of tensor instances are live at the same time; this plan is too large to lay out")
                }
            }
            if instances[i].end > s { active.append(i) }
        }
        var start = [0]
        start.reserveCapacity(instances.count + 1)
        var list: [Int32] = []
        list.reserveCapacity(pairs * 2)
        for r in rows {
            list.append(contentsOf: r)
            start.append(list.count)
        }
        self.instances = instances
        self.alignment = alignment
        self.sizes = sizes
        conflictStart = start
        conflictList = list
    }

    /// The instances live at the same time as instance `i` (non-empty ones only).
    public func conflicts(of i: Int) -> ArraySlice<Int32> {
        conflictList[conflictStart[i]..<conflictStart[i + 1]]
    }

    /// How many instances are live at the same time as instance `i`.
    public func conflictCount(of i: Int) -> Int { conflictStart[i + 1] - conflictStart[i] }

    /// Pairs of instances live at the same time.
    public var conflictPairs: Int { conflictList.count / 2 }

    /// The largest sum of bytes live at one tick (unaligned): what a plan's peak measures.
    public var peakLiveBytes: Int { peak(of: instances.map(\.bytes)) }

    /// The largest sum of aligned sizes live at one tick: no layout's arena is smaller.
    public var lowerBound: Int { peak(of: sizes) }

    private func peak(of weights: [Int]) -> Int {
        var events: [(tick: Int, delta: Int)] = []
        events.reserveCapacity(instances.count * 2)
        for (k, i) in instances.enumerated() where i.end > i.start && weights[k] > 0 {
            events.append((i.start, weights[k]))
            if i.end != TensorInstance.forever { events.append((i.end, -weights[k])) }
        }
        // Ends before starts at one tick: [start, end) intervals.
        events.sort { ($0.tick, $0.delta) < ($1.tick, $1.delta) }
        var live = 0, peak = 0
        for e in events {
            live += e.delta
            peak = max(peak, live)
        }
        return peak
    }
}
