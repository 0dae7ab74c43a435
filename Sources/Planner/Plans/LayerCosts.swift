import Graph

/// The cost of one run of every layer, in one unit, as the planners minimize it.
public struct LayerCosts: Sendable, Hashable {
    /// What the numbers measure.
    public enum Unit: String, Sendable, Hashable {
        /// Seconds on a device (roofline, or measured).
        case seconds
        /// The graph's own `time` figures (seconds, or a profiler's units).
        case time
        /// Floating-point operations.
        case flops
    }

    /// Cost per layer, indexed like ``ComputeGraph/layers``.
    public var perLayer: [Double]
    public var unit: Unit

    public init(perLayer: [Double], unit: Unit) {
        self.perLayer = perLayer
        self.unit = unit
    }

    /// Prices every layer: on a device when one is given (measured time, else roofline);
    /// otherwise by the graph's `time` when every layer has one, else by FLOPs when every layer
    /// has them.
    /// - Throws: ``PlanError/costUnavailable(reason:)`` when no single unit covers every layer.
    public static func make(for graph: ComputeGraph, hardware: Hardware? = nil) throws(PlanError) -> LayerCosts {
        if let hardware {
            do {
                let a = try GraphAnalysis(graph: graph, hardware: hardware, dominantCount: 0, includeTrainingPeak: false)
                return LayerCosts(perLayer: a.layers.map { $0.device!.time }, unit: .seconds)
            } catch {
                throw .costUnavailable(reason: error.description)
            }
        }
        if graph.layers.allSatisfy({ $0.time != nil }) {
            return LayerCosts(perLayer: graph.layers.map { $0.time! }, unit: .time)
        }
        if graph.flops.allSatisfy({ $0 != nil }) {
            return LayerCosts(perLayer: graph.flops.map { $0! }, unit: .flops)
        }
        let timed = graph.layers.filter { $0.time != nil }.count
        throw .costUnavailable(reason: "\(timed) of \(graph.layers.count) layers have a measured time and the others only FLOPs; give a hardware description to price both in seconds")
    }

    /// The cost of running every layer once.
    public var onceEach: Double { perLayer.reduce(0, +) }
}
