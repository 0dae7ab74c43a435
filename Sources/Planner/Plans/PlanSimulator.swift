import Graph

/// A step with names resolved to indices.
enum ResolvedStep: Hashable, Sendable {
    case compute(LayerID)
    case free(TensorID)

    /// The plan's step, by name.
    func named(in graph: ComputeGraph) -> PlanStep {
        switch self {
        case .compute(let l): .compute(graph.layers[l].name)
        case .free(let t): .free(graph.tensors[t].name)
        }
    }
}

/// What replaying a plan measured.
public struct SimulationResult: Sendable, Hashable {
    /// The largest resident bytes at any point (before the first step, or while a layer runs).
    public var peakBytes: Int
    /// The step at which the peak is first reached (`nil`: before the first step).
    public var peakStep: Int?
    /// Resident bytes before the first step.
    public var initialBytes: Int
    /// Resident bytes after each step (while the layer runs, for a compute step).
    public var bytesAfterStep: [Int]
    /// Cost of every compute step.
    public var computeCost: Double
    /// ``computeCost`` minus the cost of running every layer once.
    public var recomputeCost: Double
    /// How many times each layer ran.
    public var runs: [Int]
}

/// Replays plans under the one set of rules (docs/plan-format.md) and measures them.
///
/// - At the start, inputs and parameters are resident.
/// - `compute L` needs every input of L resident and none of its outputs; it makes the outputs
///   resident. Memory is measured while L runs, with inputs and outputs resident.
/// - `free T` drops a resident tensor.
/// - Every layer runs at least once; backward and update layers exactly once.
/// - The graph outputs are resident at the end.
/// - Memory is the bytes of all resident tensors; the peak is its maximum.
public enum PlanSimulator {
    /// Replays a plan, checking every rule; with a budget, also that the memory never exceeds it.
    /// - Throws: ``PlanError`` naming the first broken step and the reason.
    /// - Complexity: O(steps + Σ operands of computed layers + T).
    public static func replay(_ plan: Plan, on graph: ComputeGraph, costs: LayerCosts, budget: Int? = nil) throws(PlanError) -> SimulationResult {
        if plan.resident != nil {
            throw .invalidRequest("plan names resident parameters, so it is for two memory levels; replay it with TimingSimulator (plan-cli verify --hardware HW)")
        }
        return try replay(resolvedSteps(of: plan, on: graph), on: graph, costs: costs, budget: budget)
    }

    /// A one-level plan's steps as layer and tensor indices of `graph`.
    /// - Throws: ``PlanError/invalidStep(step:description:reason:)`` for a name the graph does not
    ///   have, or a transfer between memory levels.
    static func resolvedSteps(of plan: Plan, on graph: ComputeGraph) throws(PlanError) -> [ResolvedStep] {
        var steps: [ResolvedStep] = []
        steps.reserveCapacity(plan.steps.count)
        for (i, step) in plan.steps.enumerated() {
            switch step {
            case .compute(let name):
                guard let l = graph.layerID(named: name) else {
                    throw .invalidStep(step: i, description: "compute \(name)", reason: "no layer named '\(name)' in graph '\(graph.name)'")
                }
                steps.append(.compute(l))
            case .free(let name):
                guard let t = graph.tensorID(named: name) else {
                    throw .invalidStep(step: i, description: "free \(name)", reason: "no tensor named '\(name)' in graph '\(graph.name)'")
                }
                steps.append(.free(t))
            case .load, .evict, .offload:
                throw .invalidStep(step: i, description: step.text,
                                   reason: "a transfer between memory levels; replay two-level plans with TimingSimulator (plan-cli verify --hardware HW)")
            }
        }
        return steps
    }

    static func replay(_ steps: [ResolvedStep], on graph: ComputeGraph, costs: LayerCosts, budget: Int?) throws(PlanError) -> SimulationResult {
        var resident = [Bool](repeating: false, count: graph.tensors.count)
        var bytes = 0
        for (t, tensor) in graph.tensors.enumerated() where tensor.kind == .input || tensor.kind == .parameter {
            resident[t] = true
            bytes += tensor.bytes
        }
        let initial = bytes
        if let budget, initial > budget {
            throw .overBudget(peakBytes: initial, budgetBytes: budget, step: 0)
        }
        var peak = initial
        var peakStep: Int?
        var trace: [Int] = []
        trace.reserveCapacity(steps.count)
        var runs = [Int](repeating: 0, count: graph.layers.count)
        var cost = 0.0
        for (i, step) in steps.enumerated() {
            switch step {
            case .compute(let l):
                let layer = graph.layers[l]
                func fail(_ reason: String) -> PlanError { .invalidStep(step: i, description: "compute \(layer.name)", reason: reason) }
                for t in graph.layerInputs[l] where !resident[t] {
                    throw fail("input '\(graph.tensors[t].name)' is not resident" + (graph.producer[t] == nil ? "" : " (compute '\(graph.layers[graph.producer[t]!].name)' first)"))
                }
                for t in graph.layerOutputs[l] where resident[t] {
                    throw fail("output '\(graph.tensors[t].name)' is already resident; free it before running the layer again")
                }
                if layer.phase != .forward && runs[l] > 0 {
                    throw fail("a \(layer.phase.rawValue) layer runs exactly once")
                }
                for t in graph.layerOutputs[l] {
                    resident[t] = true
                    bytes += graph.tensors[t].bytes
                }
                runs[l] += 1
                cost += costs.perLayer[l]
                if bytes > peak {
                    peak = bytes
                    peakStep = i
                }
                if let budget, bytes > budget { throw .overBudget(peakBytes: bytes, budgetBytes: budget, step: i) }
            case .free(let t):
                guard resident[t] else {
                    throw .invalidStep(step: i, description: "free \(graph.tensors[t].name)", reason: "tensor '\(graph.tensors[t].name)' is not resident")
                }
                resident[t] = false
                bytes -= graph.tensors[t].bytes
            }
            trace.append(bytes)
        }
        if let l = runs.firstIndex(of: 0) {
            throw .incomplete(reason: "layer '\(graph.layers[l].name)' never runs; every layer runs at least once")
        }
        if let t = graph.outputs.first(where: { !resident[$0] }) {
            throw .incomplete(reason: "graph output '\(graph.tensors[t].name)' is not resident at the end")
        }
        return SimulationResult(peakBytes: peak, peakStep: peakStep, initialBytes: initial, bytesAfterStep: trace,
                                computeCost: cost, recomputeCost: max(0, cost - costs.onceEach), runs: runs)
    }
}
