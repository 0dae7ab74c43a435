import Graph
import Testing
@testable import Planner

/// The two-level replay rules, on hand-made plans whose times are worked out by hand.
@Suite("Timing simulator")
struct TimingSimulatorTests {
    /// x → f1 (reads w1) → a1 → f2 (reads w2) → y, every layer 1 s, 100 B weights at 100 B/s.
    static func twoLayers(name: String = "two", inputBytes: Int = 10) throws -> (ComputeGraph, LayerCosts) {
        let g = try ComputeGraph(name: name, tensors: [
            Tensor(name: "x", bytes: inputBytes, kind: .input), Tensor(name: "w1", bytes: 100, kind: .parameter),
            Tensor(name: "w2", bytes: 100, kind: .parameter), Tensor(name: "a1", bytes: 10), Tensor(name: "y", bytes: 10),
        ], layers: [
            Layer(name: "f1", op: "f", inputs: ["x", "w1"], outputs: ["a1"], time: 1),
            Layer(name: "f2", op: "f", inputs: ["a1", "w2"], outputs: ["y"], time: 1),
        ], outputs: ["y"])
        return (g, try LayerCosts.make(for: g))
    }
    static let device = DeviceMemory(fastBytes: 1000, slowBytes: 1000, bandwidth: 100)

    @Test func doubleBufferingOverlapsTheSecondLoad() throws {
        let (g, costs) = try Self.twoLayers()
        // w1 loads in [0, 1]; f1 runs [1, 2] while w2 loads [1, 2]; f2 runs [2, 3].
        let plan = Plan(graph: "two", solver: "hand", budgetBytes: nil, steps: [
            .load("w1"), .compute("f1"), .load("w2"), .evict("w1"), .free("x"), .compute("f2"), .evict("w2"), .free("a1"),
        ])
        let r = try TimingSimulator.replay(plan, on: g, costs: costs, memory: Self.device)
        #expect(r.totalTime == 3 && r.computeTime == 2 && r.stallTime == 1)
        #expect(r.bytesLoaded == 200 && r.bytesOffloaded == 0)
        // While f1 runs: x, w1, a1 and the incoming w2.
        #expect(r.peakFastBytes == 10 + 100 + 10 + 100)
    }

    @Test func aSingleBufferWaitsForEveryLoad() throws {
        let (g, costs) = try Self.twoLayers()
        // evict w1 waits for f1 to end (t = 2), so w2 loads in [2, 3] and f2 runs [3, 4].
        let plan = Plan(graph: "two", solver: "hand", budgetBytes: nil, steps: [
            .load("w1"), .compute("f1"), .evict("w1"), .load("w2"), .free("x"), .compute("f2"), .evict("w2"), .free("a1"),
        ])
        let r = try TimingSimulator.replay(plan, on: g, costs: costs, memory: Self.device)
        #expect(r.totalTime == 4 && r.stallTime == 2)
        #expect(r.peakFastBytes == 10 + 100 + 10)  // never both weights; x is freed before w2 arrives
    }

    @Test func residentParametersCostNothingPerStep() throws {
        let (g, costs) = try Self.twoLayers()
        let plan = Plan(graph: "two", solver: "hand", budgetBytes: nil, steps: [.compute("f1"), .free("x"), .compute("f2"), .free("a1")],
                        resident: ["w1", "w2"])
        let r = try TimingSimulator.replay(plan, on: g, costs: costs, memory: Self.device)
        #expect(r.totalTime == 2 && r.stallTime == 0 && r.bytesLoaded == 0 && r.residentBytes == 200)
        // The one-level replay of the same steps has the same peak.
        let one = try PlanSimulator.replay(Plan(graph: "two", solver: "hand", budgetBytes: nil, steps: plan.steps), on: g, costs: costs)
        #expect(one.peakBytes == r.peakFastBytes)
    }

    @Test func anOffloadReleasesFastMemoryWhenTheCopyEnds() throws {
        let (g, costs) = try Self.twoLayers()
        // a1 (10 B, 0.1 s) is offloaded after f1 and loaded back before f2.
        let plan = Plan(graph: "two", solver: "hand", budgetBytes: nil, steps: [
            .compute("f1"), .offload("a1"), .free("x"), .load("a1"), .compute("f2"), .free("a1"),
        ], resident: ["w1", "w2"])
        let r = try TimingSimulator.replay(plan, on: g, costs: costs, memory: Self.device)
        // f1 [0, 1]; offload [1, 1.1]; load [1.1, 1.2]; f2 [1.2, 2.2].
        #expect(abs(r.totalTime - 2.2) < 1e-12 && r.bytesOffloaded == 10 && r.bytesLoaded == 10)
        #expect(r.peakSlowBytes == 200 + 10)
    }

    /// An offload and a load issued together: one after the other on one shared engine, at once
    /// with an engine per direction.
    @Test func anEnginePerDirectionOverlapsAnOffloadWithALoad() throws {
        // x (100 B) → f1 (reads w1) → a1 → f2 (reads w2) → y; every layer 1 s; 100 B/s.
        let (g, costs) = try Self.twoLayers(name: "duplex", inputBytes: 100)
        let plan = Plan(graph: "duplex", solver: "hand", budgetBytes: nil, steps: [
            .load("w1"), .compute("f1"), .offload("x"), .load("w2"), .evict("w1"), .compute("f2"), .evict("w2"), .free("a1"), .free("x"),
        ])
        // w1 loads [0, 1]; f1 runs [1, 2]; x's offload starts with f1 (it only reads x), [1, 2].
        // Shared engine: w2 waits for it, [2, 3], and f2 runs [3, 4]. Two engines: w2 loads
        // [1, 2] beside the offload, and f2 runs [2, 3].
        let shared = try TimingSimulator.replay(plan, on: g, costs: costs, memory: Self.device)
        #expect(shared.totalTime == 4 && shared.stallTime == 2)
        var duplex = Self.device
        duplex.copyEngines = 2
        let both = try TimingSimulator.replay(plan, on: g, costs: costs, memory: duplex)
        #expect(both.totalTime == 3 && both.stallTime == 1)
        #expect(both.bytesLoaded == 200 && both.bytesOffloaded == 100)
        let starts = both.intervals.filter { $0.lane == .transfer }.map { ($0.label, $0.start) }
        #expect(starts.map(\.0) == ["load w1", "offload x", "load w2"] && starts.map(\.1) == [0, 1, 1])
    }

    @Test func brokenStepsAreNamed() throws {
        let (g, costs) = try Self.twoLayers()
        func reason(_ steps: [PlanStep], resident: [String]? = nil, memory: DeviceMemory = Self.device) -> String {
            do {
                _ = try TimingSimulator.replay(Plan(graph: "two", solver: "hand", budgetBytes: nil, steps: steps, resident: resident),
                                               on: g, costs: costs, memory: memory)
                return "valid"
            } catch { return error.description }
        }
        #expect(reason([.compute("f1")]).contains("steps[0] (compute f1): input 'w1' is not in fast memory (load it first)"))
        #expect(reason([.load("a1")]).contains("'a1' has no copy in slow memory"))
        #expect(reason([.load("w1"), .load("w1")]).contains("steps[1] (load w1): 'w1' is already in fast memory"))
        #expect(reason([.evict("x")]).contains("'x' has no copy in slow memory"))
        #expect(reason([.free("w1")]).contains("parameters are never freed"))
        #expect(reason([.compute("f1"), .compute("f2")], resident: ["w1", "w2"]).contains("graph output") == false)
        #expect(reason([.compute("f1")], resident: ["w1", "w2"]).contains("layer 'f2' never runs"))
        #expect(reason([.compute("f1")], resident: ["a1"]).contains("only parameters start resident"))
        let small = DeviceMemory(fastBytes: 150, slowBytes: 1000, bandwidth: 100)
        #expect(reason([.load("w1"), .load("w2")], memory: small).contains("steps[1]: fast memory holds 210 B"))
        let tinySlow = DeviceMemory(fastBytes: 1000, slowBytes: 150, bandwidth: 100)
        #expect(reason([], memory: tinySlow).contains("slow memory holds 200 B"))
    }

    @Test func anUpdatedParameterMustBeWrittenBack() throws {
        let g = try ComputeGraph(name: "upd", tensors: [
            Tensor(name: "w", bytes: 8, kind: .parameter), Tensor(name: "g", bytes: 8, kind: .input),
        ], layers: [Layer(name: "w.update", op: "sgd_update", inputs: ["w", "g"], outputs: [], phase: .update, time: 1)], outputs: [])
        let costs = try LayerCosts.make(for: g)
        let evicted = Plan(graph: "upd", solver: "hand", budgetBytes: nil, steps: [.load("w"), .compute("w.update"), .evict("w")])
        #expect(throws: PlanError.self) { try TimingSimulator.replay(evicted, on: g, costs: costs, memory: Self.device) }
        let written = Plan(graph: "upd", solver: "hand", budgetBytes: nil, steps: [.load("w"), .compute("w.update"), .offload("w")])
        let r = try TimingSimulator.replay(written, on: g, costs: costs, memory: Self.device)
        // load [0, 0.08]; update [0.08, 1.08]; the write-back after it ends.
        #expect(abs(r.totalTime - 1.08) < 1e-12 && r.bytesOffloaded == 8)
    }
}
