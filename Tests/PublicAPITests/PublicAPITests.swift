import Graph  // no @testable: only what a user of the package sees
import Planner
import Testing
import Foundation

/// What the README shows: build a small graph in code and analyse it through the public API.
@Suite("Public API")
struct PublicAPITests {
    @Test func buildAndAnalyseAGraphInCode() throws {
        let graph = try Self.mlp()
        let training = try graph.training(optimizer: .adam)
        let device = Hardware(
            name: "my-npu", peakFLOPS: [.float32: 1e12],
            onChip: MemoryLevel(name: "SRAM", capacityBytes: 4 << 20, bandwidth: 100e9),
            offChip: MemoryLevel(name: "DRAM", capacityBytes: 1 << 30, bandwidth: 10e9))
        let analysis = try GraphAnalysis(graph: training, hardware: device)
        #expect(analysis.totals.parameterCount == 784 * 256 + 256 * 10)
        #expect(analysis.totals.forwardMACs == Double(32 * (784 * 256 + 256 * 10)))
        #expect(analysis.totals.peakBytes == training.keepEverythingProfile().peakBytes)
        #expect(analysis.layers.first?.device?.bound != nil)
        #expect(analysis.table().contains("fc2.backward"))
    }

    /// A framework's use: plan the training step under a budget (checkpointing) and on a device
    /// (two-level), check each plan by replaying it, and write it as JSON.
    @Test func planAGraphUnderABudgetAsAFrameworkWould() throws {
        let training = try Self.mlp().training(optimizer: .adam)
        let costs = try LayerCosts.make(for: training)
        // Checkpointing: keep or recompute activations within 90% of the keep-everything peak.
        let peak = training.keepEverythingProfile().peakBytes
        var budget = peak * 9 / 10
        var options = ILPOptions(timeLimit: 10)
        let phases = PhaseLog()
        options.phaseProgress = { phases.append($0.name) }
        // An impossible budget is an error naming the smallest feasible one: plan at that instead.
        let planned: PlannedSchedule
        do {
            planned = try CheckpointPlanner.plan(training, costs: costs, budget: budget, solver: .ilp, options: options)
        } catch {
            guard case .infeasibleBudget(_, let minimum, _) = error else { throw error }
            #expect(minimum > budget && minimum <= peak)
            budget = minimum
            planned = try CheckpointPlanner.plan(training, costs: costs, budget: budget, solver: .ilp, options: options)
        }
        #expect(planned.simulation.peakBytes <= budget)
        let replay = try PlanSimulator.replay(planned.plan, on: training, costs: costs, budget: budget)
        #expect(replay.computeCost == planned.simulation.computeCost)
        #expect(planned.plan.summary?.lowerBound.map { $0 <= replay.computeCost + 1e-9 } ?? false)
        #expect(phases.names.first == "baselines")
        // Each baseline is announced as it starts; so is each relaxation solved for the bound
        // (when the plan is not proven optimal before it).
        #expect(phases.names.contains("baseline selective") && phases.names.contains("baseline dtr"))
        if phases.names.contains("relaxation (bound)") { #expect(phases.names.contains { $0.hasPrefix("bound: ") }) }
        let json = planned.plan.json().serialized(pretty: true)
        #expect(json.contains("\"steps\""))

        // Two levels: parameters resident or streamed, activations offloaded, on a small device.
        let device = Hardware(
            name: "my-npu", peakFLOPS: [.float32: 1e12],
            onChip: MemoryLevel(name: "SRAM", capacityBytes: 4 << 20, bandwidth: 100e9),
            offChip: MemoryLevel(name: "DRAM", capacityBytes: 1 << 30, bandwidth: 10e9))
        let deviceCosts = try LayerCosts.make(for: training, hardware: device)
        let memory = DeviceMemory(hardware: device)
        let timed = try TwoLevelPlanner.plan(training, costs: deviceCosts, memory: memory, solver: .bestTwoLevel,
                                             options: ILPOptions(timeLimit: 10))
        let timing = try TimingSimulator.replay(timed.plan, on: training, costs: deviceCosts, memory: memory)
        #expect(timing.peakFastBytes <= memory.fastBytes)
        #expect(timing.totalTime == timed.timing.totalTime)
    }

    static func mlp() throws -> ComputeGraph {
        try ComputeGraph(
            name: "mlp", batch: 32,
            tensors: [
                Tensor(name: "x", shape: [32, 784], kind: .input),
                Tensor(name: "fc1.weight", shape: [256, 784], kind: .parameter),
                Tensor(name: "h", shape: [32, 256]),
                Tensor(name: "a", shape: [32, 256]),
                Tensor(name: "fc2.weight", shape: [10, 256], kind: .parameter),
                Tensor(name: "logits", shape: [32, 10]),
            ],
            layers: [
                Layer(name: "fc1", op: "linear", inputs: ["x", "fc1.weight"], outputs: ["h"]),
                Layer(name: "relu", op: "relu", inputs: ["h"], outputs: ["a"]),
                Layer(name: "fc2", op: "linear", inputs: ["a", "fc2.weight"], outputs: ["logits"]),
            ])
    }

    @Test func errorsAreTypedAndReadable() {
        do {
            _ = try ComputeGraph(name: "bad", tensors: [Tensor(name: "x", shape: [2], kind: .input)],
                                 layers: [Layer(name: "r", op: "relu", inputs: ["x"], outputs: ["y"])])
            Issue.record("accepted a dangling output")
        } catch {
            #expect(error == .unknownTensor(SourceLocation(path: "layers[0].outputs[0]"), name: "y"))
            #expect(error.description == "layers[0].outputs[0]: unknown tensor 'y' (not declared in \"tensors\")")
        }
    }
}

/// Phase names collected from the planner's callback (which may run on another thread).
final class PhaseLog: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [String] = []
    func append(_ name: String) { lock.lock(); stored.append(name); lock.unlock() }
    var names: [String] { lock.lock(); defer { lock.unlock() }; return stored }
}
