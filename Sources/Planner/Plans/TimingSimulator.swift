import Graph

/// What a two-level replay measured.
public struct TimingResult: Sendable {
    /// One busy interval of the compute unit or the transfer engine.
    public struct Interval: Sendable, Hashable {
        public enum Lane: String, Sendable { case compute, transfer }
        public var lane: Lane
        /// `compute L`, `load T` or `offload T`.
        public var label: String
        public var start: Double
        public var end: Double
        /// The plan step.
        public var step: Int
    }

    /// End of the last compute, in seconds.
    public var totalTime: Double
    /// Time of every compute step (recomputation included).
    public var computeTime: Double
    /// Time of the compute steps beyond running every layer once.
    public var recomputeTime: Double
    /// Time the compute unit waits: total − compute.
    public var stallTime: Double { max(0, totalTime - computeTime) }
    /// Bytes copied slow → fast and fast → slow.
    public var bytesLoaded: Int
    public var bytesOffloaded: Int
    /// Parameters held in fast memory from the start (loaded once, outside the step).
    public var residentBytes: Int
    /// Highest occupancy of each level.
    public var peakFastBytes: Int
    public var peakSlowBytes: Int
    /// Busy intervals, compute and transfer lanes, in plan order.
    public var intervals: [Interval]
    /// Fast-memory occupancy after each event: (time, bytes), in time order.
    public var fastOccupancy: [(time: Double, bytes: Int)]
    /// How many times each layer ran.
    public var runs: [Int]
    /// Every tensor instance in fast memory and in slow memory, its lifetime in ranks of the
    /// allocation and release events in the order they are applied (``TensorInstance``).
    public var fastInstances: [TensorInstance] = []
    public var slowInstances: [TensorInstance] = []
}

/// Replays a plan on a device with fast and slow memory, in time: the two-level counterpart of
/// ``PlanSimulator`` (docs/plan-format.md, "Two memory levels").
///
/// State: graph inputs start in fast memory; the parameters the plan lists as `resident` start in
/// fast memory too (loaded once before the step, as in a training loop that keeps them); every
/// parameter has a copy in slow memory; other tensors exist nowhere until computed.
///
/// One control thread issues the steps in plan order at a time τ that never decreases:
/// - `compute L`: every input has a fast copy (a load may still be running), no output exists.
///   L starts when the compute unit is free and the loads of its inputs have completed; its
///   outputs are allocated then; τ becomes its start. It ends after its time.
/// - `load T`: T has a slow copy and no fast copy. Fast space is taken at τ; the copy runs on the
///   transfer engine (one copy at a time, loads and offloads in plan order) at the bandwidth;
///   with a copy engine per direction (``DeviceMemory/copyEngines`` 2), loads in plan order on
///   one and offloads in plan order on the other.
/// - An allocation (a compute's outputs, a load) that does not fit waits for the fast space that
///   offloads in flight release when their copies end (an allocator waiting on a copy's event);
///   the compute's start, or τ for a load, moves to that time.
/// - `offload T`: T has a fast copy. The copy starts when its engine is free and T's last writer
///   has finished; slow space is taken at τ (unless T already has a slow copy); T's fast copy is
///   gone for later steps, and its space is released when the copy ends and the computes
///   reading it have finished. An offload writes back a parameter updated in place.
/// - `evict T`: T's slow copy is up to date (a parameter updated in place must be offloaded
///   instead). The fast space is released once no started compute uses T; τ becomes that time.
/// - `free T`: drops every copy of a non-parameter tensor, when no started compute or copy uses
///   it; τ becomes that time.
/// Every layer runs at least once, backward and update layers exactly once; the graph outputs
/// have a copy at the end. Both capacities are checked at every event (releases before
/// allocations at equal times). Total time is the end of the last compute; stall is total minus
/// compute time.
public enum TimingSimulator {
    /// Replays a two-level plan.
    /// - Parameters:
    ///   - costs: layer times in seconds (``LayerCosts/Unit/seconds`` or the graph's `time`).
    /// - Throws: ``PlanError`` naming the first broken step and the reason, or the step after which
    ///   a capacity is exceeded.
    /// - Complexity: O(S log S + Σ operands) for S steps.
    public static func replay(_ plan: Plan, on graph: ComputeGraph, costs: LayerCosts, memory: DeviceMemory) throws(PlanError) -> TimingResult {
        guard costs.unit != .flops else {
            throw .invalidRequest("timing a two-level plan needs layer times in seconds; give a hardware description (--hardware) or `time` per layer")
        }
        guard memory.bandwidth > 0, memory.bandwidth.isFinite else { throw .invalidRequest("the transfer bandwidth must be a positive number of bytes per second") }
        let n = graph.tensors.count
        var fast = [Bool](repeating: false, count: n)       // has a fast copy (logically, for later steps)
        var slow = [Bool](repeating: false, count: n)       // has a slow copy (or one is being written)
        var stale = [Bool](repeating: false, count: n)      // fast copy modified since the slow copy was written
        var ready = [Double](repeating: 0, count: n)        // when the fast copy's load completes
        var lastUse = [Double](repeating: 0, count: n)      // end of the last started compute reading or writing it
        var lastWrite = [Double](repeating: 0, count: n)    // end of the last compute writing it
        var transferEnd = [Double](repeating: 0, count: n)  // end of the last copy of it
        struct Event { var time: Double; var fast: Int; var slow: Int; var step: Int; var order: Int; var tensor: Int = -1 }
        var events: [Event] = []
        var fastBytes = 0, slowBytes = 0

        for (t, tensor) in graph.tensors.enumerated() {
            if tensor.kind == .input { fast[t] = true; fastBytes += tensor.bytes }
            if tensor.kind == .parameter { slow[t] = true; slowBytes += tensor.bytes }
        }
        var residentBytes = 0
        for (i, name) in (plan.resident ?? []).enumerated() {
            guard let t = graph.tensorID(named: name) else {
                throw .invalidRequest("resident[\(i)]: no tensor named '\(name)' in graph '\(graph.name)'")
            }
            guard graph.tensors[t].kind == .parameter else {
                throw .invalidRequest("resident[\(i)]: '\(name)' is a \(graph.tensors[t].kind.rawValue); only parameters start resident")
            }
            guard !fast[t] else { throw .invalidRequest("resident[\(i)]: '\(name)' is listed twice") }
            fast[t] = true
            fastBytes += graph.tensors[t].bytes
            residentBytes += graph.tensors[t].bytes
        }
        let initialFast = fastBytes, initialSlow = slowBytes
        if initialFast > memory.fastBytes {
            throw .overCapacity(memory: "fast", bytes: initialFast, capacityBytes: memory.fastBytes, step: 0, time: 0)
        }
        if initialSlow > memory.slowBytes {
            throw .overCapacity(memory: "slow", bytes: initialSlow, capacityBytes: memory.slowBytes, step: 0, time: 0)
        }

        // The copy engines: loads and offloads share one, or have one each.
        var tau = 0.0, computeFree = 0.0, loadEngineFree = 0.0, offloadEngineFree = 0.0
        let perDirection = memory.hasEnginePerDirection
        var runs = [Int](repeating: 0, count: graph.layers.count)
        var computeTime = 0.0, loaded = 0, offloaded = 0
        var intervals: [TimingResult.Interval] = []
        func release(_ t: TensorID, fastAt: Double?, slowAt: Double?, step: Int) {
            if let fastAt { events.append(Event(time: fastAt, fast: -graph.tensors[t].bytes, slow: 0, step: step, order: events.count, tensor: t)) }
            if let slowAt { events.append(Event(time: slowAt, fast: 0, slow: -graph.tensors[t].bytes, step: step, order: events.count, tensor: t)) }
        }

        // An allocation that does not fit at `time` waits for fast space that copies in flight
        // (offloads whose fast copy is released when they end) will release: the earliest time
        // from `time` at which `bytes` more fit, or `time` when nothing pending makes room.
        func earliestFit(_ bytes: Int, at time: Double) -> Double {
            guard memory.fastBytes < Int.max / 2, bytes > 0 else { return time }
            var occupied = initialFast
            var pending: [(time: Double, bytes: Int)] = []
            for e in events where e.fast != 0 {
                if e.time <= time { occupied += e.fast } else if e.fast < 0 { pending.append((e.time, e.fast)) }
            }
            guard occupied + bytes > memory.fastBytes else { return time }
            pending.sort { $0.time < $1.time }
            for p in pending {
                occupied += p.bytes
                if occupied + bytes <= memory.fastBytes { return p.time }
            }
            return time
        }

        for (i, step) in plan.steps.enumerated() {
            func fail(_ reason: String) -> PlanError { .invalidStep(step: i, description: step.text, reason: reason) }
            switch step {
            case .compute(let name):
                guard let l = graph.layerID(named: name) else { throw fail("no layer named '\(name)' in graph '\(graph.name)'") }
                let layer = graph.layers[l]
                var start = max(tau, computeFree)
                for t in graph.layerInputs[l] {
                    guard fast[t] else {
                        let hint = slow[t] ? " (load it first)" : graph.producer[t].map { " (compute '\(graph.layers[$0].name)' first)" } ?? ""
                        throw fail("input '\(graph.tensors[t].name)' is not in fast memory" + hint)
                    }
                    start = max(start, ready[t])
                }
                for t in graph.layerOutputs[l] where fast[t] || slow[t] {
                    throw fail("output '\(graph.tensors[t].name)' already exists; free it before running the layer again")
                }
                if layer.phase != .forward && runs[l] > 0 { throw fail("a \(layer.phase.rawValue) layer runs exactly once") }
                start = earliestFit(graph.layerOutputs[l].reduce(0) { $0 + graph.tensors[$1].bytes }, at: start)
                let end = start + costs.perLayer[l]
                for t in graph.layerOutputs[l] {
                    fast[t] = true
                    ready[t] = start
                    events.append(Event(time: start, fast: graph.tensors[t].bytes, slow: 0, step: i, order: events.count, tensor: t))
                    lastWrite[t] = end
                }
                for t in graph.layerInputs[l] + graph.layerOutputs[l] { lastUse[t] = max(lastUse[t], end) }
                if layer.phase == .update {
                    // Updates rewrite their parameter operands in place.
                    for t in graph.layerInputs[l] where graph.tensors[t].kind == .parameter {
                        stale[t] = true
                        lastWrite[t] = end
                    }
                }
                runs[l] += 1
                computeTime += costs.perLayer[l]
                computeFree = end
                tau = start
                intervals.append(.init(lane: .compute, label: step.text, start: start, end: end, step: i))
            case .load(let name):
                guard let t = graph.tensorID(named: name) else { throw fail("no tensor named '\(name)' in graph '\(graph.name)'") }
                guard slow[t] else { throw fail("'\(name)' has no copy in slow memory to load (offload it first)") }
                guard !fast[t] else { throw fail("'\(name)' is already in fast memory") }
                tau = earliestFit(graph.tensors[t].bytes, at: tau)
                events.append(Event(time: tau, fast: graph.tensors[t].bytes, slow: 0, step: i, order: events.count, tensor: t))
                let start = max(tau, loadEngineFree, transferEnd[t])
                let end = start + memory.transferSeconds(graph.tensors[t].bytes)
                loadEngineFree = end
                if !perDirection { offloadEngineFree = end }
                transferEnd[t] = end
                fast[t] = true
                stale[t] = false
                ready[t] = end
                loaded += graph.tensors[t].bytes
                intervals.append(.init(lane: .transfer, label: step.text, start: start, end: end, step: i))
            case .offload(let name):
                guard let t = graph.tensorID(named: name) else { throw fail("no tensor named '\(name)' in graph '\(graph.name)'") }
                guard fast[t] else { throw fail("'\(name)' is not in fast memory") }
                if !slow[t] {
                    events.append(Event(time: tau, fast: 0, slow: graph.tensors[t].bytes, step: i, order: events.count, tensor: t))
                    slow[t] = true
                }
                let start = max(tau, offloadEngineFree, lastWrite[t], ready[t])
                let end = start + memory.transferSeconds(graph.tensors[t].bytes)
                offloadEngineFree = end
                if !perDirection { loadEngineFree = end }
                transferEnd[t] = end
                fast[t] = false
                stale[t] = false
                release(t, fastAt: max(end, lastUse[t]), slowAt: nil, step: i)
                offloaded += graph.tensors[t].bytes
                intervals.append(.init(lane: .transfer, label: step.text, start: start, end: end, step: i))
            case .evict(let name):
                guard let t = graph.tensorID(named: name) else { throw fail("no tensor named '\(name)' in graph '\(graph.name)'") }
                guard fast[t] else { throw fail("'\(name)' is not in fast memory") }
                guard slow[t] else { throw fail("'\(name)' has no copy in slow memory; offload it, or free it") }
                guard !stale[t] else { throw fail("'\(name)' was updated in place since its slow copy was written; offload it instead") }
                let at = max(tau, lastUse[t], ready[t], transferEnd[t])
                fast[t] = false
                release(t, fastAt: at, slowAt: nil, step: i)
                tau = at
            case .free(let name):
                guard let t = graph.tensorID(named: name) else { throw fail("no tensor named '\(name)' in graph '\(graph.name)'") }
                guard graph.tensors[t].kind != .parameter else { throw fail("parameters are never freed (evict the fast copy instead)") }
                guard fast[t] || slow[t] else { throw fail("'\(name)' is in neither memory") }
                let at = max(tau, lastUse[t], ready[t], transferEnd[t])
                release(t, fastAt: fast[t] ? at : nil, slowAt: slow[t] ? at : nil, step: i)
                fast[t] = false
                slow[t] = false
                tau = at
            }
        }

        // Occupancy over time: releases first at equal times, then plan order.
        let appended = events
        events.sort { a, b in
            if a.time != b.time { return a.time < b.time }
            let ar = a.fast + a.slow < 0, br = b.fast + b.slow < 0
            if ar != br { return ar }
            return a.order < b.order
        }
        fastBytes = initialFast
        slowBytes = initialSlow
        var peakFast = fastBytes, peakSlow = slowBytes
        var occupancy: [(time: Double, bytes: Int)] = [(0, fastBytes)]
        for e in events {
            fastBytes += e.fast
            slowBytes += e.slow
            if fastBytes > memory.fastBytes {
                throw .overCapacity(memory: "fast", bytes: fastBytes, capacityBytes: memory.fastBytes, step: e.step, time: e.time)
            }
            if slowBytes > memory.slowBytes {
                throw .overCapacity(memory: "slow", bytes: slowBytes, capacityBytes: memory.slowBytes, step: e.step, time: e.time)
            }
            peakFast = max(peakFast, fastBytes)
            peakSlow = max(peakSlow, slowBytes)
            occupancy.append((e.time, fastBytes))
        }
        if let l = runs.firstIndex(of: 0) {
            throw .incomplete(reason: "layer '\(graph.layers[l].name)' never runs; every layer runs at least once")
        }
        if let t = graph.outputs.first(where: { !fast[$0] && !slow[$0] }) {
            throw .incomplete(reason: "graph output '\(graph.tensors[t].name)' exists in neither memory at the end")
        }
        let total = intervals.filter { $0.lane == .compute }.map(\.end).max() ?? 0
        var result = TimingResult(totalTime: total, computeTime: computeTime, recomputeTime: max(0, computeTime - costs.onceEach),
                                  bytesLoaded: loaded, bytesOffloaded: offloaded, residentBytes: residentBytes,
                                  peakFastBytes: peakFast, peakSlowBytes: peakSlow, intervals: intervals,
                                  fastOccupancy: occupancy, runs: runs)

        // The instances of each level: allocations and releases paired in plan order (a release
        // can sort before its allocation when both happen at one time), lifetimes in ranks of
        // the applied order; an instance released at its allocation's time still lives one rank.
        var rank = [Int](repeating: 0, count: events.count)
        for (r, e) in events.enumerated() { rank[e.order] = r }
        var fastInstances: [TensorInstance] = [], slowInstances: [TensorInstance] = []
        var openFast = [Int](repeating: -1, count: n), openSlow = [Int](repeating: -1, count: n)
        func open(_ t: Int, step: Int, start: Int, fast isFast: Bool) {
            let instance = TensorInstance(tensor: t, name: graph.tensors[t].name, bytes: graph.tensors[t].bytes, step: step, start: start, end: TensorInstance.forever)
            if isFast { openFast[t] = fastInstances.count; fastInstances.append(instance) }
            else { openSlow[t] = slowInstances.count; slowInstances.append(instance) }
        }
        for (t, tensor) in graph.tensors.enumerated() {
            if tensor.kind == .input { open(t, step: -1, start: -1, fast: true) }
            if tensor.kind == .parameter { open(t, step: -1, start: -1, fast: false) }
        }
        for name in plan.resident ?? [] { if let t = graph.tensorID(named: name) { open(t, step: -1, start: -1, fast: true) } }
        for e in appended where e.tensor >= 0 {
            let r = rank[e.order]
            if e.fast > 0 { open(e.tensor, step: e.step, start: r, fast: true) }
            if e.slow > 0 { open(e.tensor, step: e.step, start: r, fast: false) }
            if e.fast < 0, openFast[e.tensor] >= 0 {
                let k = openFast[e.tensor]
                fastInstances[k].end = max(r, fastInstances[k].start + 1)
                openFast[e.tensor] = -1
            }
            if e.slow < 0, openSlow[e.tensor] >= 0 {
                let k = openSlow[e.tensor]
                slowInstances[k].end = max(r, slowInstances[k].start + 1)
                openSlow[e.tensor] = -1
            }
        }
        result.fastInstances = fastInstances
        result.slowInstances = slowInstances
        return result
    }
}
