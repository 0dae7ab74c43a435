import Graph

/// A layout as a plan file records it (docs/plan-format.md, "Layout"): the alignment, the arena
/// and the offset of every instance, named by the step that makes it resident and its tensor.
public struct PlanLayout: Sendable, Hashable {
    /// One instance's offset.
    public struct Entry: Sendable, Hashable {
        /// The index in `steps` of the step that makes the instance resident; −1 from the start.
        public var step: Int
        public var tensor: String
        public var offset: Int

        public init(step: Int, tensor: String, offset: Int) {
            self.step = step
            self.tensor = tensor
            self.offset = offset
        }
    }

    public var alignment: Int
    public var arenaBytes: Int
    public var offsets: [Entry]

    public init(alignment: Int, arenaBytes: Int, offsets: [Entry]) {
        self.alignment = alignment
        self.arenaBytes = arenaBytes
        self.offsets = offsets
    }

    /// The record of a computed layout.
    public init(_ layout: ArenaLayout, of problem: LayoutProblem) {
        self.init(alignment: problem.alignment, arenaBytes: layout.arenaBytes,
                  offsets: zip(problem.instances, layout.offsets).map { Entry(step: $0.step, tensor: $0.name, offset: $1) })
    }

    /// Checks the recorded offsets against the plan's instances: every instance has exactly
    /// one offset, a multiple of the alignment, inside the arena, and no two instances live at
    /// the same time overlap. Returns the offsets in the problem's order.
    /// - Parameter level: `fast`, `slow` or empty, for messages.
    /// - Throws: ``PlanError/invalidRequest(_:)`` naming the first instance at fault.
    /// - Complexity: O(n log n + Σ live instances at each start).
    public func check(against problem: LayoutProblem, level: String = "") throws(PlanError) -> [Int] {
        let what = level.isEmpty ? "layout" : "\(level)_layout"
        guard alignment == problem.alignment else {
            throw .invalidRequest("\(what): alignment \(alignment) differs from the \(problem.alignment) it is checked with")
        }
        var index: [String: [Int: Int]] = [:]
        for (k, i) in problem.instances.enumerated() { index[i.name, default: [:]][i.step] = k }
        var placed = [Int](repeating: -1, count: problem.instances.count)
        for (n, e) in self.offsets.enumerated() {
            guard let k = index[e.tensor]?[e.step] else {
                throw .invalidRequest("\(what).offsets[\(n)]: the plan has no instance of '\(e.tensor)' made resident at step \(e.step)")
            }
            guard placed[k] < 0 else { throw .invalidRequest("\(what).offsets[\(n)]: '\(e.tensor)' at step \(e.step) has a second offset") }
            guard e.offset >= 0, e.offset % alignment == 0 else {
                throw .invalidRequest("\(what).offsets[\(n)]: offset \(e.offset) of '\(e.tensor)' is not a non-negative multiple of the alignment \(alignment)")
            }
            guard e.offset <= arenaBytes - problem.sizes[k] else {
                throw .invalidRequest("\(what).offsets[\(n)]: '\(e.tensor)' at step \(e.step) spans [\(e.offset), \(e.offset + problem.sizes[k])), past the arena of \(arenaBytes) bytes")
            }
            placed[k] = e.offset
        }
        let offsets = placed
        if let k = offsets.firstIndex(of: -1) {
            throw .invalidRequest("\(what): no offset for '\(problem.instances[k].name)' made resident at step \(problem.instances[k].step)")
        }
        // A sweep in start order: each instance against those still live when it starts.
        let order = problem.instances.indices.sorted { (problem.instances[$0].start, $0) < (problem.instances[$1].start, $1) }
        var live: [Int] = []
        for k in order {
            let a = problem.instances[k]
            live.removeAll { problem.instances[$0].end <= a.start }
            if problem.sizes[k] > 0 {
                for j in live where problem.sizes[j] > 0 && offsets[j] < offsets[k] + problem.sizes[k] && offsets[k] < offsets[j] + problem.sizes[j] {
                    let b = problem.instances[j]
                    throw .invalidRequest("\(what): '\(a.name)' (step \(a.step), bytes [\(offsets[k]), \(offsets[k] + problem.sizes[k]))) overlaps '\(b.name)' (step \(b.step), bytes [\(offsets[j]), \(offsets[j] + problem.sizes[j]))) while both are live")
                }
            }
            if a.end > a.start { live.append(k) }
        }
        return offsets
    }
}
