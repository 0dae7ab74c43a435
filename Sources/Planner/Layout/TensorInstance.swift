import Graph

/// One tensor instance of a plan: a tensor from the step that makes it resident to the step that
/// frees it. A recomputed tensor is a new instance; so is a tensor loaded again into fast memory.
///
/// Lifetimes are half-open intervals of ticks, `[start, end)`: two instances are live at the same
/// time, and must not overlap in the arena, when `a.start < b.end && b.start < a.end`. For a
/// one-level plan a tick is the index of a step (−1 before the first); for a level of a
/// two-level plan it is the rank of an allocation or release event in the order in which
/// ``TimingSimulator`` applies them.
public struct TensorInstance: Sendable, Hashable {
    /// The tensor.
    public var tensor: TensorID
    /// Its name in the graph.
    public var name: String
    /// Its bytes (before alignment).
    public var bytes: Int
    /// The index in `steps` of the step that makes the instance resident (a compute, or for two
    /// levels a load or an offload); −1 for inputs and parameters resident from the start.
    public var step: Int
    /// First tick at which it is live.
    public var start: Int
    /// First tick at which it is no longer live (``TensorInstance/forever`` when it lives to the end).
    public var end: Int

    /// The `end` of an instance live until the end of the plan.
    public static let forever = Int.max

    public init(tensor: TensorID, name: String, bytes: Int, step: Int, start: Int, end: Int) {
        self.tensor = tensor
        self.name = name
        self.bytes = bytes
        self.step = step
        self.start = start
        self.end = end
    }

    /// Whether the two instances are live at the same time.
    public func overlapsInTime(_ other: TensorInstance) -> Bool {
        start < other.end && other.start < end
    }
}
