/// The steps during which a tensor is resident when every layer runs once in topological order
/// and every tensor is freed right after its last reader.
///
/// Steps are positions in ``ComputeGraph/layers``. `start == -1` means resident before the first
/// layer runs (inputs and parameters); `end == layers.count` means resident at the end (graph
/// outputs and parameters). A tensor is resident during every step `s` with `start <= s <= end`.
public struct Lifetime: Sendable, Hashable {
    /// The first step at which the tensor is resident (its producer), or -1.
    public var start: Int
    /// The last step at which the tensor is resident (its last reader), or `layers.count`.
    public var end: Int

    public init(start: Int, end: Int) {
        self.start = start
        self.end = end
    }
}

/// The memory of the keep-everything schedule: every layer once, in topological order, nothing
/// recomputed, every tensor freed after its last reader.
public struct MemoryProfile: Sendable, Hashable {
    /// Bytes resident while each layer runs (its inputs and outputs included).
    public var bytesDuringLayer: [Int]
    /// Bytes resident before the first layer (inputs and parameters).
    public var initialBytes: Int
    /// Bytes resident after the last layer (outputs and parameters).
    public var finalBytes: Int

    /// The largest of all the above: the schedule's peak bytes.
    public var peakBytes: Int { max(initialBytes, finalBytes, bytesDuringLayer.max() ?? 0) }

    /// The layer during which the peak is reached, or `nil` when it is reached before or after all layers.
    public var peakLayer: LayerID? {
        guard let m = bytesDuringLayer.max(), m >= initialBytes, m >= finalBytes else { return nil }
        return bytesDuringLayer.firstIndex(of: m)
    }
}

extension ComputeGraph {
    /// The lifetime of every tensor in the keep-everything schedule.
    ///
    /// Parameters are model state and stay resident throughout; inputs are resident from the
    /// start until their last reader; activations and gradients from their producer until their
    /// last reader. Graph outputs stay resident to the end. A produced tensor nobody reads is
    /// resident during its producer's step only.
    /// - Complexity: O(T) for T tensors.
    public func lifetimes() -> [Lifetime] {
        let n = layers.count
        var result = [Lifetime](repeating: Lifetime(start: -1, end: -1), count: tensors.count)
        for t in tensors.indices {
            let start = producer[t] ?? -1
            var end = consumers[t].last ?? start
            if tensors[t].kind == .parameter { end = n }
            result[t] = Lifetime(start: start, end: end)
        }
        for t in outputs { result[t].end = n }
        return result
    }

    /// Bytes resident at every step of the keep-everything schedule.
    ///
    /// Memory while a layer runs counts its inputs and outputs and every other live tensor.
    /// - Complexity: O(T + L).
    public func keepEverythingProfile() -> MemoryProfile {
        let n = layers.count
        // delta[s + 1] for steps s in -1...n; one extra slot for the end.
        var delta = [Int](repeating: 0, count: n + 3)
        for (t, life) in lifetimes().enumerated() {
            delta[life.start + 1] += tensors[t].bytes
            delta[life.end + 2] -= tensors[t].bytes
        }
        var running = 0
        var resident = [Int](repeating: 0, count: n + 2)
        for s in 0..<(n + 2) {
            running += delta[s]
            resident[s] = running
        }
        return MemoryProfile(bytesDuringLayer: Array(resident[1...n]), initialBytes: resident[0], finalBytes: resident[n + 1])
    }

    /// The tensors live while a layer runs in the keep-everything schedule (its live set).
    /// - Complexity: O(T).
    public func liveSet(during layer: LayerID) -> [TensorID] {
        lifetimes().enumerated().compactMap { t, life in life.start <= layer && layer <= life.end ? t : nil }
    }
}
