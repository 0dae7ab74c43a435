import Graph

/// A device's two memory levels as the two-level planners see them: a small fast memory, a large
/// slow one, and one or two copy engines between them.
///
/// With one engine (the default), both directions (loads and offloads) share it and its
/// bandwidth, one copy at a time, in plan order: the conservative reading of a single DMA engine
/// or a half-duplex link. With two, loads run on one and offloads on the other, each in plan
/// order at the full bandwidth, so that a load and an offload overlap (a full-duplex link with a
/// copy engine per direction, as PCIe on a GPU).
public struct DeviceMemory: Sendable, Hashable {
    /// Fast-memory capacity (on-chip SRAM, GPU memory), or a smaller budget within it.
    public var fastBytes: Int
    /// Slow-memory capacity (off-chip DRAM, host memory).
    public var slowBytes: Int
    /// Bytes per second between the levels.
    public var bandwidth: Double
    /// 1: loads and offloads share one engine; 2: one engine per direction.
    public var copyEngines: Int

    public init(fastBytes: Int, slowBytes: Int, bandwidth: Double, copyEngines: Int = 1) {
        self.fastBytes = fastBytes
        self.slowBytes = slowBytes
        self.bandwidth = bandwidth
        self.copyEngines = copyEngines
    }

    /// Whether loads and offloads run on separate engines.
    public var hasEnginePerDirection: Bool { copyEngines >= 2 }

    /// The hardware's on-chip memory as fast memory (or `budget`, when given), its off-chip memory
    /// as slow memory, and the off-chip bandwidth and copy engines as the transfer rate and engines.
    public init(hardware: Hardware, budget: Int? = nil) {
        self.init(fastBytes: budget ?? hardware.onChip.capacityBytes, slowBytes: hardware.offChip.capacityBytes,
                  bandwidth: hardware.offChip.bandwidth, copyEngines: hardware.offChip.copyEngines)
    }

    /// Seconds to move `bytes` between the levels.
    public func transferSeconds(_ bytes: Int) -> Double { Double(bytes) / bandwidth }
}
