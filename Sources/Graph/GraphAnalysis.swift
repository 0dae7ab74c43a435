/// Whether a layer's speed is limited by arithmetic or by memory traffic (the roofline model).
public enum Bound: String, Sendable, Hashable {
    case compute, memory
}

/// Whether a layer's parameter load from the slow memory hides under the previous layer's
/// compute when double-buffered (load layer i+1's weights while layer i computes).
public enum PrefetchOverlap: Sendable, Hashable {
    /// The layer reads no parameters.
    case nothingToLoad
    /// The first layer: nothing runs before it to hide its load under.
    case firstLayer
    /// The load takes at most the previous layer's time; `slack` seconds remain.
    case hidden(slack: Double)
    /// The load takes longer than the previous layer; compute waits `stall` seconds.
    case exposed(stall: Double)

    /// Seconds compute waits for this load under double buffering.
    public var stall: Double {
        if case .exposed(let s) = self { return s }
        return 0
    }
}

/// The seed's computational view of one layer.
public struct LayerAnalysis: Sendable, Hashable {
    public var layer: LayerID
    public var name: String
    public var op: String
    public var phase: Phase
    /// Multiply-accumulates of one run.
    public var macs: Double
    /// Floating-point operations of one run; `nil` when only a measured time is known.
    public var flops: Double?
    /// The graph's measured seconds (or profile units) of one run, if given.
    public var measuredTime: Double?
    /// Bytes of the parameters it reads.
    public var parameterBytes: Int
    /// Bytes of the other tensors it reads and of the tensors it writes.
    public var activationBytes: Int
    /// Operations per byte of traffic, counting every operand read once and every result
    /// written once.
    public var arithmeticIntensity: Double?
    /// The view on a device, when one is given.
    public var device: LayerOnDevice?

    /// Bytes read and written by one run.
    public var bytesMoved: Int { parameterBytes + activationBytes }
}

/// A layer on a particular device.
public struct LayerOnDevice: Sendable, Hashable {
    /// Seconds of arithmetic at the peak rate, when the FLOPs are known.
    public var computeTime: Double?
    /// Seconds to move its operands at the fast memory's bandwidth.
    public var memoryTime: Double
    /// The layer's time: measured when the graph gives one, else max(compute, memory).
    public var time: Double
    /// Whether ``time`` is the graph's measured figure.
    public var timeIsMeasured: Bool
    /// Which roof limits it; `nil` when the FLOPs are unknown.
    public var bound: Bound?
    /// Whether its parameters fit in the fast memory.
    public var parametersFitOnChip: Bool
    /// Whether its other operands and results fit in the fast memory.
    public var activationsFitOnChip: Bool
    /// Whether everything it touches fits in the fast memory at once.
    public var fitsOnChip: Bool
    /// Seconds to load its parameters from the slow memory.
    public var parameterLoadTime: Double
    /// Whether that load hides under the previous layer's compute.
    public var prefetch: PrefetchOverlap
}

/// Totals over the whole graph.
public struct AnalysisTotals: Sendable, Hashable {
    /// Elements of the model's parameters (those forward layers read).
    public var parameterCount: Int
    /// Bytes of the model's parameters.
    public var parameterBytes: Int
    /// Bytes of other persistent state (optimizer moments).
    public var optimizerStateBytes: Int
    public var forwardMACs: Double
    public var forwardFLOPs: Double
    public var backwardFLOPs: Double
    public var updateFLOPs: Double
    /// Peak bytes of the keep-everything schedule of the analysed graph.
    public var peakBytes: Int
    /// The layer at which that peak is reached.
    public var peakLayer: String?
    /// Peak bytes of the keep-everything schedule of the training graph: the analysed graph's
    /// own when it is one, else the derived one's (`nil` when none can be derived).
    public var trainingPeakBytes: Int?
    /// Seconds of all layers run once on the device, without transfers.
    public var time: Double?
    /// Seconds compute would wait for parameter loads with double buffering, summed.
    public var prefetchStall: Double?
    /// Layers taking the most time (or FLOPs without a device), largest first.
    public var dominantByTime: [LayerID]
    /// Layers touching the most bytes, largest first.
    public var dominantByMemory: [LayerID]
}

/// The computational view of a graph on an optional device: per layer and in total.
public struct GraphAnalysis: Sendable {
    public var graphName: String
    public var batch: Int?
    public var hardware: Hardware?
    public var layers: [LayerAnalysis]
    public var totals: AnalysisTotals

    /// Analyses every layer.
    ///
    /// - Parameters:
    ///   - dominantCount: how many layers to list as dominating time and memory.
    ///   - includeTrainingPeak: for a forward-only graph, derive its training graph to report its
    ///     keep-everything peak (``AnalysisTotals/trainingPeakBytes``); callers that only need
    ///     per-layer figures skip that derivation.
    /// - Throws: ``GraphError`` when the device gives no peak rate for a layer's element type and
    ///   the layer has no measured time.
    /// - Complexity: O(T + L + E), plus one training derivation for a forward-only graph.
    public init(graph: ComputeGraph, hardware: Hardware? = nil, dominantCount: Int = 5, includeTrainingPeak: Bool = true) throws(GraphError) {
        var result: [LayerAnalysis] = []
        result.reserveCapacity(graph.layers.count)
        var previousTime: Double?
        var totalTime = 0.0
        var totalStall = 0.0
        for (l, layer) in graph.layers.enumerated() {
            var paramBytes = 0
            var actBytes = 0
            for t in graph.layerInputs[l] {
                if graph.tensors[t].kind == .parameter { paramBytes += graph.tensors[t].bytes } else { actBytes += graph.tensors[t].bytes }
            }
            for t in graph.layerOutputs[l] { actBytes += graph.tensors[t].bytes }
            let moved = paramBytes + actBytes
            let flops = graph.flops[l]
            var a = LayerAnalysis(
                layer: l, name: layer.name, op: layer.op, phase: layer.phase, macs: graph.macs[l], flops: flops, measuredTime: layer.time,
                parameterBytes: paramBytes, activationBytes: actBytes,
                arithmeticIntensity: flops.map { moved > 0 ? $0 / Double(moved) : .infinity })
            if let hw = hardware {
                let dtype = graph.layerOutputs[l].first.map { graph.tensors[$0].dtype }
                    ?? graph.layerInputs[l].first.map { graph.tensors[$0].dtype } ?? .float32
                let peak = hw.peak(for: dtype)
                let computeTime = flops.flatMap { f in peak.map { f / $0 } }
                let memoryTime = Double(moved) / hw.onChip.bandwidth
                guard layer.time != nil || computeTime != nil else {
                    throw .invalidValue(SourceLocation(path: "peak_flops"),
                        reason: "hardware '\(hw.name)' gives no peak for \(dtype.rawValue), needed by layer '\(layer.name)'; add \"\(dtype.rawValue)\" or \"default\" to peak_flops")
                }
                let time = layer.time ?? max(computeTime!, memoryTime)
                let load = Double(paramBytes) / hw.offChip.bandwidth
                let overlap: PrefetchOverlap
                if paramBytes == 0 {
                    overlap = .nothingToLoad
                } else if let prev = previousTime {
                    overlap = load <= prev ? .hidden(slack: prev - load) : .exposed(stall: load - prev)
                } else {
                    overlap = .firstLayer
                }
                let cap = hw.onChip.capacityBytes
                a.device = LayerOnDevice(
                    computeTime: computeTime, memoryTime: memoryTime, time: time, timeIsMeasured: layer.time != nil,
                    bound: computeTime.map { $0 >= memoryTime ? .compute : .memory },
                    parametersFitOnChip: paramBytes <= cap, activationsFitOnChip: actBytes <= cap, fitsOnChip: moved <= cap,
                    parameterLoadTime: load, prefetch: overlap)
                previousTime = time
                totalTime += time
                totalStall += overlap.stall + (overlap == .firstLayer ? load : 0)
            }
            result.append(a)
        }

        // Totals.
        var readByForward = [Bool](repeating: false, count: graph.tensors.count)
        for (l, layer) in graph.layers.enumerated() where layer.phase == .forward {
            for t in graph.layerInputs[l] { readByForward[t] = true }
        }
        var paramCount = 0, paramBytes = 0, stateBytes = 0
        for (t, tensor) in graph.tensors.enumerated() where tensor.kind == .parameter {
            if readByForward[t] || !graph.isTraining {
                paramCount += tensor.elementCount
                paramBytes += tensor.bytes
            } else {
                stateBytes += tensor.bytes
            }
        }
        var fwdMACs = 0.0, fwd = 0.0, bwd = 0.0, upd = 0.0
        for (l, layer) in graph.layers.enumerated() {
            let f = graph.flops[l] ?? 0
            switch layer.phase {
            case .forward: fwd += f; fwdMACs += graph.macs[l]
            case .backward: bwd += f
            case .update: upd += f
            }
        }
        let profile = graph.keepEverythingProfile()
        var trainingPeak: Int?
        if graph.isTraining {
            trainingPeak = profile.peakBytes
        } else if includeTrainingPeak, !graph.isInference, let training = try? graph.training() {
            trainingPeak = training.keepEverythingProfile().peakBytes
        }
        let k = min(dominantCount, result.count)
        let timeKey = result.map { $0.device?.time ?? $0.measuredTime ?? $0.flops ?? 0 }
        let bytesKey = result.map(\.bytesMoved)
        let byTime = result.indices.sorted { timeKey[$0] != timeKey[$1] ? timeKey[$0] > timeKey[$1] : $0 < $1 }
        let byMemory = result.indices.sorted { bytesKey[$0] != bytesKey[$1] ? bytesKey[$0] > bytesKey[$1] : $0 < $1 }
        self.graphName = graph.name
        self.batch = graph.batch
        self.hardware = hardware
        self.layers = result
        self.totals = AnalysisTotals(
            parameterCount: paramCount, parameterBytes: paramBytes, optimizerStateBytes: stateBytes,
            forwardMACs: fwdMACs, forwardFLOPs: fwd, backwardFLOPs: bwd, updateFLOPs: upd,
            peakBytes: profile.peakBytes, peakLayer: profile.peakLayer.map { graph.layers[$0].name },
            trainingPeakBytes: trainingPeak,
            time: hardware == nil ? nil : totalTime, prefetchStall: hardware == nil ? nil : totalStall,
            dominantByTime: Array(byTime.prefix(k)), dominantByMemory: Array(byMemory.prefix(k)))
    }
}
