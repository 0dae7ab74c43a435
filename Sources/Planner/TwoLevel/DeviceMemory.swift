import Graph

/// A device's two memory levels as the two-level planners see them: a small fast memory, a large
/// slow one, and one transfer engine between them.
///
/// Both directions (loads and offloads) share the engine and its bandwidth, one copy at a time,
/// in plan order: the conservative reading of a single DMA engine or a half-duplex link.
public struct DeviceMemory: Sendable, Hashable {
    /// Fast-memory capacity (on-chip SRAM, GPU memory), or a smaller budget within it.
    public var fastBytes: Int
    /// Slow-memory capacity (off-chip DRAM, host memory).
    public var slowBytes: Int
    /// Bytes per second between the levels.
    public var bandwidth: Double

    public init(fastBytes: Int, slowBytes: Int, bandwidth: Double) {
        self.fastBytes = fastBytes
        self.slowBytes = slowBytes
        self.bandwidth = bandwidth
    }

    /// The hardware's on-chip memory as fast memory (or `budget`, when given), its off-chip memory
    /// as slow memory, and the off-chip bandwidth as the transfer rate.
    public init(hardware: Hardware, budget: Int? = nil) {
        self.init(fastBytes: budget ?? hardware.onChip.capacityBytes, slowBytes: hardware.offChip.capacityBytes,
                  bandwidth: hardware.offChip.bandwidth)
    }

    /// Seconds to move `bytes` between the levels.
    public func transferSeconds(_ bytes: Int) -> Double { Double(bytes) / bandwidth }
}
