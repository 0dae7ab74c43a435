import Graph

/// A fast-memory sweep on a two-level device: the fastest plan of each mechanism alone and of the
/// joint planner at each size, every plan replayed by ``TimingSimulator``, with a lower bound on
/// the time of every plan; the recompute–offload–keep curve of SSDTrain (DAC 2025).
///
/// The mechanisms:
/// - **recompute only**: the one-level checkpointing MILP's plan (``CheckpointSolver/ilp``)
///   within fast memory, every parameter resident, nothing transferred;
/// - **offload only**: every parameter resident, the checkpoint-all schedule, and every activation
///   or gradient idle for at least `g` layers offloaded after one use and prefetched before the
///   next (``StreamingBaselines``), for `g` in ``offloadGaps``: the fastest that fits;
/// - **streaming only**: the checkpoint-all schedule with parameters resident, streamed single-
///   or double-buffered, or made resident greedily (``TwoLevelSolver/resident``,
///   ``TwoLevelSolver/streamSingle``, ``TwoLevelSolver/streamDouble``,
///   ``TwoLevelSolver/greedyResidency``): the fastest that fits;
/// - **joint**: ``TwoLevelSolver/milp``.
public struct TwoLevelBenchmark: Sendable {
    /// One way of using the two memories.
    public enum Mechanism: String, Sendable, CaseIterable {
        case recompute = "recompute only"
        case offload = "offload only"
        case streaming = "streaming only"
        case joint = "joint"
    }

    /// One mechanism at one fast-memory size.
    public struct Cell: Sendable {
        public var mechanism: Mechanism
        public var fastBytes: Int
        /// `nil` when the mechanism has no plan that fits.
        public var plan: TimedPlan?
        /// Seconds the planning took.
        public var seconds: Double
    }

    /// The offload gaps tried by the offload-only mechanism.
    public static let offloadGaps = [2, 3, 4, 6, 8, 16]

    public var graphName: String
    public var layerCount: Int
    /// The one-level checkpoint-all peak: everything resident, nothing recomputed.
    public var keepEverythingPeak: Int
    /// Every layer run once: the time of the keep-everything plan.
    public var computeOnce: Double
    /// The least fast memory any plan needs (``TwoLevelPlanner/minimumFastBytes(_:)``).
    public var minimumFastBytes: Int
    /// The smallest fast memory at which each single mechanism was found to fit: an upper bound
    /// on the least it needs (recompute only: the checkpointing planner's smallest feasible
    /// budget; offload and streaming only: the lowest fast peak of their plans).
    public var smallestFound: [Mechanism: Int]
    /// The fast-memory sizes of the sweep, ascending.
    public var sizes: [Int]
    public var cells: [Cell]
    /// The device (its fast memory is each size in turn).
    public var memory: DeviceMemory
    /// ``TwoLevelPlanner/lowerBound(_:costs:memory:)`` at each size: no plan of any form is faster.
    public var lowerBounds: [Int: Double]
    /// ``TwoLevelPlanner/lowerBound(_:costs:memory:upTo:steps:options:)`` at each size, up to the
    /// fastest plan found there, with half the time limit: no plan whose layers run first in the
    /// graph's order is faster.
    public var relaxationBounds: [Int: Double]

    /// Runs the sweep at `sizes` (bytes of fast memory), each planner with `options`.
    /// - Parameter raisingToSmallest: sizes below the smallest that any single mechanism was
    ///   found to fit (``smallestFound``) are raised to it: "or the smallest feasible".
    public init(graph: ComputeGraph, costs: LayerCosts, memory: DeviceMemory, sizes: [Int], options: ILPOptions,
                raisingToSmallest: Bool = false) throws(PlanError) {
        let reference = try Baselines.checkpointAll(graph, costs: costs)
        graphName = graph.name
        layerCount = graph.layers.count
        keepEverythingPeak = reference.simulation.peakBytes
        computeOnce = costs.onceEach
        minimumFastBytes = TwoLevelPlanner.minimumFastBytes(graph)
        self.memory = memory

        let parameters = Set(graph.tensors.indices.filter { graph.tensors[$0].kind == .parameter })
        let schedule = reference.plan.steps
        var unbounded = memory
        unbounded.fastBytes = Int.max / 4
        // Smallest sizes: offload only at each gap, streaming only single-buffered.
        var smallest: [Mechanism: Int] = [:]
        smallest[.recompute] = CheckpointPlanner.minimumFeasibleBudget(graph, costs: costs, options: options, start: .now)
        for gap in Self.offloadGaps {
            if let (r, _) = try? TwoLevelPlanner.attempt(graph, costs: costs, memory: unbounded, schedule: schedule,
                                                         policy: .init(resident: parameters, offloadGap: gap), solver: "offload") {
                smallest[.offload] = min(smallest[.offload] ?? .max, r.timing.peakFastBytes)
            }
        }
        if let (r, _) = try? TwoLevelPlanner.attempt(graph, costs: costs, memory: unbounded, schedule: schedule,
                                                     policy: .init(prefetch: false), solver: "stream-single") {
            smallest[.streaming] = r.timing.peakFastBytes
        }
        smallestFound = smallest
        let floor = raisingToSmallest ? (smallest.values.min() ?? 0) : 0
        self.sizes = Array(Set(sizes.map { max($0, floor) })).sorted()

        var cells: [Cell] = []
        for size in self.sizes {
            var device = memory
            device.fastBytes = size
            for mechanism in Mechanism.allCases {
                let start = ContinuousClock.now
                let plan = Self.fastest(mechanism, graph: graph, costs: costs, memory: device, schedule: schedule,
                                        parameters: parameters, options: options)
                cells.append(Cell(mechanism: mechanism, fastBytes: size, plan: plan, seconds: (ContinuousClock.now - start).seconds))
            }
        }
        self.cells = cells
        var bounds: [Int: Double] = [:], relaxed: [Int: Double] = [:]
        var boundOptions = options
        boundOptions.timeLimit = options.timeLimit.map { $0 / 2 }
        for size in self.sizes {
            var device = memory
            device.fastBytes = size
            bounds[size] = TwoLevelPlanner.lowerBound(graph, costs: costs, memory: device)
            let fastest = cells.filter { $0.fastBytes == size }.compactMap { $0.plan?.timing.totalTime }.min()
            relaxed[size] = fastest.map { TwoLevelPlanner.lowerBound(graph, costs: costs, memory: device, upTo: $0, options: boundOptions) } ?? bounds[size]
        }
        lowerBounds = bounds
        relaxationBounds = relaxed
    }

    /// The fastest plan of one mechanism within `memory`, replayed within its capacities.
    static func fastest(_ mechanism: Mechanism, graph: ComputeGraph, costs: LayerCosts, memory: DeviceMemory, schedule: [PlanStep],
                        parameters: Set<TensorID>, options: ILPOptions) -> TimedPlan? {
        guard memory.fastBytes >= TwoLevelPlanner.minimumFastBytes(graph) else { return nil }
        var candidates: [TimedPlan] = []
        switch mechanism {
        case .recompute:
            if let r = try? TwoLevelPlanner.checkpointResident(graph, costs: costs, memory: memory, checkpointSolver: .ilp, options: options) {
                candidates.append(r)
            }
        case .offload:
            for gap in offloadGaps {
                if let (r, fits) = try? TwoLevelPlanner.attempt(graph, costs: costs, memory: memory, schedule: schedule,
                                                                policy: .init(resident: parameters, offloadGap: gap), solver: "offload (gap \(gap))"),
                   fits { candidates.append(r) }
            }
        case .streaming:
            for s in [TwoLevelSolver.resident, .streamSingle, .streamDouble, .greedyResidency] {
                if let r = try? TwoLevelPlanner.plan(graph, costs: costs, memory: memory, solver: s, options: options) { candidates.append(r) }
            }
        case .joint:
            if let r = try? TwoLevelPlanner.plan(graph, costs: costs, memory: memory, solver: .milp, options: options) { candidates.append(r) }
        }
        // The authoritative replay within the capacities.
        let replayed = candidates.compactMap { c -> TimedPlan? in
            guard let timing = try? TimingSimulator.replay(c.plan, on: graph, costs: costs, memory: memory) else { return nil }
            return TimedPlan(plan: c.plan, timing: timing)
        }
        return replayed.min { $0.timing.totalTime < $1.timing.totalTime }
    }

    public func cell(_ mechanism: Mechanism, _ size: Int) -> Cell? {
        cells.first { $0.mechanism == mechanism && $0.fastBytes == size }
    }
}
