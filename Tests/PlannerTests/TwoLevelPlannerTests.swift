import Graph
import Testing
@testable import Planner

/// The two-level baselines on random graphs and devices, against formulas for their timing.
@Suite("Two-level planner")
struct TwoLevelPlannerTests {
    /// A random device for a graph: compute rate, bandwidth, and a fast memory between the least
    /// any plan needs and the keep-everything footprint; one copy engine for both directions, or
    /// (seeds 2, 3, 6, 7, ...) one per direction.
    static func device(for g: ComputeGraph, seed: UInt64) -> (LayerCosts, DeviceMemory) {
        var rng = SplitMix64(seed: seed ^ 0x5eed)
        let flops = 1e6 * Double(1 + rng.next() % 1000)
        let bandwidth = 1e3 * Double(1 + rng.next() % 1000)
        let hw = Hardware(name: "random", peakFLOPS: [:], defaultPeakFLOPS: flops,
                          onChip: MemoryLevel(name: "sram", capacityBytes: 1 << 30, bandwidth: 1e12),
                          offChip: MemoryLevel(name: "dram", capacityBytes: 1 << 40, bandwidth: bandwidth))
        let costs = try! LayerCosts.make(for: g, hardware: hw)
        let everything = g.tensors.reduce(0) { $0 + $1.bytes }
        let minimum = TwoLevelPlanner.minimumFastBytes(g)
        let fast = minimum + Int(rng.next() % UInt64(max(1, everything - minimum + 1)))
        return (costs, DeviceMemory(fastBytes: fast, slowBytes: 1 << 40, bandwidth: bandwidth, copyEngines: (seed / 2) % 2 == 1 ? 2 : 1))
    }

    static func graph(_ seed: UInt64) throws -> ComputeGraph {
        let forward = try RandomGraphs.forward(layers: 4 + Int(seed % 9), seed: seed)
        switch seed % 3 {
        case 0: return forward
        case 1: return try forward.training()
        default: return try forward.training(optimizer: .adam)
        }
    }

    /// Every solver's plan replays within the device's capacities (``TwoLevelPlanner/plan`` replays
    /// it; here it is replayed again from its JSON), or the solver says it does not fit.
    @Test(arguments: Array(UInt64(1)...40))
    func everyPlanReplaysWithinTheDevice(seed: UInt64) throws {
        let g = try Self.graph(seed)
        let (costs, memory) = Self.device(for: g, seed: seed)
        let keepEverything = try Baselines.checkpointAll(g, costs: costs).simulation.peakBytes
        for solver in TwoLevelSolver.allCases where solver != .milp {  // the MILP: TwoLevelMILPTests
            do {
                let r = try TwoLevelPlanner.plan(g, costs: costs, memory: memory, solver: solver)
                let again = try TimingSimulator.replay(try Plan(json: r.plan.json()), on: g, costs: costs, memory: memory)
                #expect(again.totalTime == r.timing.totalTime && again.peakFastBytes <= memory.fastBytes)
                #expect(r.timing.totalTime >= r.timing.computeTime - 1e-12)
            } catch {
                guard let e = error as? PlanError, case .infeasibleBudget(_, let minimum, _) = e else { throw error }
                #expect(minimum > memory.fastBytes)
                // Everything resident needs the one-level peak with every parameter counted.
                #expect(solver != .resident || minimum == keepEverything)
                #expect(memory.fastBytes < keepEverything, "\(g.name): \(solver) does not fit \(memory.fastBytes) B")
            }
        }
    }

    /// Recomputation alone: with every parameter resident nothing moves, so the plan's time is
    /// the one-level checkpointing plan's compute cost (recomputation included), and it exists
    /// exactly where that plan does.
    @Test(arguments: Array(UInt64(1)...20))
    func checkpointResidentTakesItsComputeCost(seed: UInt64) throws {
        let g = try Self.graph(seed)
        let (costs, memory) = Self.device(for: g, seed: seed)
        let one = try? CheckpointPlanner.plan(g, costs: costs, budget: memory.fastBytes, solver: .bestBaseline)
        guard let r = try? TwoLevelPlanner.plan(g, costs: costs, memory: memory, solver: .checkpointResident) else {
            #expect(one == nil)
            return
        }
        let plan = try #require(one)
        #expect(r.timing.bytesLoaded == 0 && r.timing.bytesOffloaded == 0 && r.timing.stallTime == 0)
        #expect(abs(r.timing.totalTime - plan.simulation.computeCost) <= 1e-12 * plan.simulation.computeCost)
        #expect(r.timing.peakFastBytes == plan.simulation.peakBytes)
    }

    /// The compositions are single-mechanism plans too: the fastest of all is never slower than
    /// any of them, and checkpointing with streaming fits wherever streaming alone does on the
    /// same order (its budgets only add recomputation choices above fast memory).
    @Test(arguments: Array(UInt64(1)...20))
    func bestTwoLevelIsTheFastestOfEveryMechanism(seed: UInt64) throws {
        let g = try Self.graph(seed)
        let (costs, memory) = Self.device(for: g, seed: seed)
        let each = TwoLevelSolver.baselines.compactMap { try? TwoLevelPlanner.plan(g, costs: costs, memory: memory, solver: $0) }
        guard let best = try? TwoLevelPlanner.plan(g, costs: costs, memory: memory, solver: .bestTwoLevel) else {
            #expect(each.isEmpty)
            return
        }
        for r in each { #expect(best.timing.totalTime <= r.timing.totalTime, "\(r.plan.solver): \(r.timing.totalTime) s, best \(best.timing.totalTime) s") }
    }

    /// Recomputation and streaming composed fit where neither does alone: a 12-layer linear
    /// chain's training step (batch 128, width 64: 16 KiB of weights and 32 KiB of activation a
    /// layer) with fast memory halfway between the least any plan needs and the keep-everything
    /// peak. Keeping every activation does not fit even with every weight streamed, and every
    /// weight resident does not fit even with recomputation; checkpointing at a budget above fast
    /// memory, with the weights streamed, does.
    @Test func checkpointingWithStreamingFitsWhereNeitherAloneDoes() throws {
        var tensors = [Tensor(name: "x", shape: [128, 64], kind: .input)]
        var layers: [Layer] = []
        for i in 0..<12 {
            tensors.append(Tensor(name: "w\(i)", shape: [64, 64], kind: .parameter))
            tensors.append(Tensor(name: "t\(i)", shape: [128, 64]))
            layers.append(Layer(name: "fc\(i)", op: "linear", inputs: [i == 0 ? "x" : "t\(i - 1)", "w\(i)"], outputs: ["t\(i)"]))
        }
        let g = try ComputeGraph(name: "chain", tensors: tensors, layers: layers, outputs: ["t11"]).training()
        let hw = Hardware(name: "h", peakFLOPS: [:], defaultPeakFLOPS: 1e10,
                          onChip: MemoryLevel(name: "sram", capacityBytes: 1 << 30, bandwidth: 1e12),
                          offChip: MemoryLevel(name: "dram", capacityBytes: 1 << 40, bandwidth: 1e9))
        let costs = try LayerCosts.make(for: g, hardware: hw)
        let keep = try Baselines.checkpointAll(g, costs: costs).simulation.peakBytes
        let minimum = TwoLevelPlanner.minimumFastBytes(g)
        let memory = DeviceMemory(fastBytes: minimum + (keep - minimum) / 2, slowBytes: 1 << 40, bandwidth: 1e9)
        for alone in [TwoLevelSolver.resident, .streamSingle, .streamDouble, .greedyResidency, .checkpointResident] {
            #expect(throws: PlanError.self, "\(alone) fits \(memory.fastBytes) B") {
                try TwoLevelPlanner.plan(g, costs: costs, memory: memory, solver: alone)
            }
        }
        let composed = try TwoLevelPlanner.plan(g, costs: costs, memory: memory, solver: .checkpointStreaming)
        let again = try TimingSimulator.replay(try Plan(json: composed.plan.json()), on: g, costs: costs, memory: memory)
        #expect(again.peakFastBytes <= memory.fastBytes && again.totalTime == composed.timing.totalTime)
        #expect(composed.timing.recomputeTime > 0 && composed.timing.bytesLoaded > 0)
    }

    /// With fast memory for everything, the best plan streams nothing and never stalls.
    @Test(arguments: Array(UInt64(1)...12))
    func unlimitedFastMemoryStreamsNothing(seed: UInt64) throws {
        let g = try Self.graph(seed)
        var (costs, memory) = Self.device(for: g, seed: seed)
        memory.fastBytes = 1 << 40
        let r = try TwoLevelPlanner.plan(g, costs: costs, memory: memory, solver: .bestTwoLevel)
        #expect(r.timing.bytesLoaded == 0 && r.timing.bytesOffloaded == 0 && r.timing.stallTime == 0)
        #expect(r.timing.totalTime == costs.onceEach)
    }

    /// When compute is far slower than transfers, double buffering hides every load but the
    /// first layer's; with a single buffer every load is exposed.
    @Test(arguments: Array(UInt64(1)...12))
    func doubleBufferingHidesEveryLoadButTheFirst(seed: UInt64) throws {
        let g = try RandomGraphs.forward(layers: 4 + Int(seed % 9), seed: seed).inference()
        let bandwidth = 1e12
        let costs = LayerCosts(perLayer: [Double](repeating: 1, count: g.layers.count), unit: .time)  // 1 s per layer
        let memory = DeviceMemory(fastBytes: 1 << 40, slowBytes: 1 << 40, bandwidth: bandwidth)
        let double = try TwoLevelPlanner.plan(g, costs: costs, memory: memory, solver: .streamDouble)
        let firstCompute = double.plan.steps.firstIndex { if case .compute = $0 { true } else { false } }!
        let firstLoads = double.plan.steps[..<firstCompute].reduce(0) { sum, step in
            if case .load(let t) = step { sum + g.tensors[g.tensorID(named: t)!].bytes } else { sum }
        }
        #expect(abs(double.timing.stallTime - Double(firstLoads) / bandwidth) < 1e-9)
        let single = try TwoLevelPlanner.plan(g, costs: costs, memory: memory, solver: .streamSingle)
        let everyLoad = Double(single.timing.bytesLoaded) / bandwidth
        #expect(abs(single.timing.stallTime - everyLoad) < 1e-9)
        #expect(single.timing.bytesLoaded == g.tensors.filter { $0.kind == .parameter }.reduce(0) { $0 + $1.bytes })
    }

    /// The lower bound holds for every plan of every solver, and on the two-layer graph it is the
    /// hand-computed load time: fast memory 130 B leaves at most 110 B of the 200 B of weights
    /// resident beside a layer's 20 B of activations, so 90 B load at 10 B/s, 9 s (> 2 s of compute).
    @Test(arguments: Array(UInt64(1)...20))
    func theLowerBoundHoldsForEveryPlan(seed: UInt64) throws {
        let g = try Self.graph(seed)
        let (costs, memory) = Self.device(for: g, seed: seed)
        let bound = TwoLevelPlanner.lowerBound(g, costs: costs, memory: memory)
        #expect(bound >= costs.onceEach)
        for s in TwoLevelSolver.allCases where s != .milp {
            guard let r = try? TwoLevelPlanner.plan(g, costs: costs, memory: memory, solver: s) else { continue }
            #expect(r.timing.totalTime >= bound * (1 - 1e-12), "\(s): \(r.timing.totalTime) s < bound \(bound) s")
        }
        if seed == 1 {
            let (two, twoCosts) = try TimingSimulatorTests.twoLayers()
            let device = DeviceMemory(fastBytes: 130, slowBytes: 1000, bandwidth: 10)
            #expect(abs(TwoLevelPlanner.lowerBound(two, costs: twoCosts, memory: device) - 9) < 1e-12)
            // The best plan keeps w1, evicts it after f1 and loads w2 (10 s): 12 s in all.
            let plan = Plan(graph: "two", solver: "hand", budgetBytes: nil, steps: [
                .compute("f1"), .evict("w1"), .free("x"), .load("w2"), .compute("f2"), .evict("w2"), .free("a1"),
            ], resident: ["w1"])
            #expect(try TimingSimulator.replay(plan, on: two, costs: twoCosts, memory: device).totalTime == 12)
        }
    }

    /// The relaxation bound holds for every solver's plan, the joint planner's included; where
    /// copies are so slow that nothing may move (1 B per hour), it is the checkpointing optimum
    /// at fast memory, which the one-level MILP proves on these small graphs.
    @Test(arguments: Array(UInt64(1)...16))
    func theRelaxationBoundHoldsAndMeetsTheCheckpointingOptimum(seed: UInt64) throws {
        let g = try Self.graph(seed)
        let (costs, memory) = Self.device(for: g, seed: seed)
        var fastest = Double.infinity
        for s in TwoLevelSolver.allCases {
            guard let r = try? TwoLevelPlanner.plan(g, costs: costs, memory: memory, solver: s, options: ILPOptions(timeLimit: 10)) else { continue }
            fastest = min(fastest, r.timing.totalTime)
        }
        guard fastest.isFinite else { return }
        let bound = TwoLevelPlanner.lowerBound(g, costs: costs, memory: memory, upTo: fastest, options: ILPOptions(timeLimit: 10))
        #expect(bound >= TwoLevelPlanner.lowerBound(g, costs: costs, memory: memory))
        #expect(bound <= fastest * (1 + 1e-9), "\(g.name): bound \(bound) s > plan \(fastest) s")
        var slow = memory
        slow.bandwidth = 1.0 / 3600
        guard let one = try? CheckpointPlanner.plan(g, costs: costs, budget: slow.fastBytes, solver: .ilp, options: ILPOptions(timeLimit: 10)),
              one.plan.summary?.status == "optimal", g.tensors.allSatisfy({ $0.kind != .parameter || $0.bytes > 0 }) else { return }
        let joint = try TwoLevelPlanner.plan(g, costs: costs, memory: slow, solver: .milp, options: ILPOptions(timeLimit: 10))
        let slowBound = TwoLevelPlanner.lowerBound(g, costs: costs, memory: slow, upTo: joint.timing.totalTime, options: ILPOptions(timeLimit: 10))
        #expect(slowBound <= joint.timing.totalTime * (1 + 1e-9))
        #expect(slowBound >= one.simulation.computeCost * (1 - 1e-5), "\(g.name): bound \(slowBound) s, checkpointing optimum \(one.simulation.computeCost) s")
    }

    /// The sweep's curves use one mechanism each (recompute only: nothing moves; offload only:
    /// every parameter resident, nothing recomputed; streaming only: no activation offloaded and
    /// nothing recomputed), every plan replays within its fast memory and is no faster than the
    /// lower bound, and sizes below the smallest single mechanism's are raised to it.
    @Test(arguments: [1, 2, 4, 5] as [UInt64])
    func theSweepKeepsEachMechanismApart(seed: UInt64) throws {
        let g = try Self.graph(seed)
        let (costs, memory) = Self.device(for: g, seed: seed)
        let peak = try Baselines.checkpointAll(g, costs: costs).simulation.peakBytes
        let b = try TwoLevelBenchmark(graph: g, costs: costs, memory: memory, sizes: [peak / 10, peak / 2, peak], options: ILPOptions(timeLimit: 10),
                                      raisingToSmallest: true)
        #expect(b.sizes.first! >= b.smallestFound.values.min()!)
        let parameterBytes = g.tensors.filter { $0.kind == .parameter }.reduce(0) { $0 + $1.bytes }
        for c in b.cells {
            guard let p = c.plan else { continue }
            var device = memory
            device.fastBytes = c.fastBytes
            let again = try TimingSimulator.replay(try Plan(json: p.plan.json()), on: g, costs: costs, memory: device)
            #expect(again.totalTime == p.timing.totalTime)
            #expect(p.timing.totalTime >= b.lowerBounds[c.fastBytes]! * (1 - 1e-12))
            #expect(p.timing.totalTime >= b.relaxationBounds[c.fastBytes]! * (1 - 1e-9))
            switch c.mechanism {
            case .recompute: #expect(p.timing.bytesLoaded == 0 && p.timing.bytesOffloaded == 0)
            case .offload: #expect(p.timing.recomputeTime == 0 && p.timing.residentBytes == parameterBytes)
            case .streaming:
                #expect(p.timing.recomputeTime == 0)
                #expect(p.plan.steps.allSatisfy { step in
                    if case .offload(let t) = step { g.tensors[g.tensorID(named: t)!].kind == .parameter } else { true }
                })
            case .joint: break
            }
        }
        // At the keep-everything peak the joint plan runs each layer once and moves nothing.
        #expect(b.cell(.joint, b.sizes.last!)?.plan?.timing.totalTime == costs.onceEach)
    }

    /// Below the working set of the largest layer no plan exists, and the error says the minimum.
    @Test func tooSmallAFastMemoryNamesTheMinimum() throws {
        let g = try RandomGraphs.forward(layers: 6, seed: 5).training()
        let (costs, memory) = Self.device(for: g, seed: 5)
        let minimum = TwoLevelPlanner.minimumFastBytes(g)
        var small = memory
        small.fastBytes = minimum - 1
        for solver in TwoLevelSolver.allCases {
            #expect {
                try TwoLevelPlanner.plan(g, costs: costs, memory: small, solver: solver)
            } throws: { error in
                guard let e = error as? PlanError, case .infeasibleBudget(_, let m, _) = e else { return false }
                return m == minimum && e.description.contains("smallest feasible budget")
            }
        }
        // The minimum is the largest layer's inputs and outputs together, by brute force.
        let largest = g.layers.indices.map { l in Set(g.layerInputs[l] + g.layerOutputs[l]).map { g.tensors[$0].bytes }.reduce(0, +) }.max()!
        #expect(minimum >= largest)
    }
}
