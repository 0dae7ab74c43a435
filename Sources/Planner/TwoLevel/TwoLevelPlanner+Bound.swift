import Graph

extension TwoLevelPlanner {
    /// A lower bound on the total time of every two-level plan within `memory` whose layers run
    /// first in the graph's order (every plan the planners build), from the one-level
    /// checkpointing bounds (``CheckpointMILP``, ``CheckpointRelaxation``) at budgets above fast memory.
    ///
    /// Take such a plan: total time T, loads of Y bytes (parameters and activations brought back).
    /// Keeping every offloaded tensor in fast memory instead, until its last reader, and every
    /// parameter resident gives a one-level plan with the same computes; at any moment it holds
    /// beyond the plan's fast memory only tensors still to be loaded back and parameters not
    /// resident, at most Y bytes. So its compute cost, the plan's, is at least L(C + Y), the
    /// checkpointing planner's proven bound at budget C + Y (its program's, or its relaxation's;
    /// infinite where the relaxation proves no plan fits), which
    /// does not grow with the budget; and the loads run one at a time, so T ≥ Y / bandwidth.
    /// Every plan loads at least Y₀, the parameters that cannot all be resident
    /// (``lowerBound(_:costs:memory:)``). Hence
    ///
    ///     T ≥ min over Y ≥ Y₀ of max(L(C + Y), Y / bandwidth),
    ///
    /// and over a ladder Y₀ < Y₁ < … < Y_k with Y_k / bandwidth = `upTo`, on [Yᵢ, Yᵢ₊₁] the max is at
    /// least max(L(C + Yᵢ₊₁), Yᵢ / bandwidth), beyond Y_k at least `upTo`. The result is the least
    /// of those, and never below ``lowerBound(_:costs:memory:)``.
    ///
    /// It is strong where the link moves little in a step's time against fast memory (Y stays
    /// small, and the bound is near the checkpointing bound at fast memory), and falls to the
    /// compute time where the link could move a large share of fast memory in one step: it knows
    /// how many bytes may move, not when (over PCIe at 64 GB/s, ResNet-18's 6.4 ms step at batch
    /// 32 could move 400 MB).
    ///
    /// - Parameters:
    ///   - upTo: the time of a known plan (the ladder stops there; a larger value only spreads it).
    ///   - steps: the rungs of the ladder (one checkpointing solve each).
    ///   - options: the MILP backend and the time limit, shared by the solves.
    /// - Complexity: `steps` checkpointing solves, sharing `options.timeLimit`.
    public static func lowerBound(_ graph: ComputeGraph, costs: LayerCosts, memory: DeviceMemory, upTo: Double, steps: Int = 4,
                                  options: ILPOptions = ILPOptions()) -> Double {
        let simple = lowerBound(graph, costs: costs, memory: memory)
        guard upTo > simple, steps >= 1 else { return simple }
        let loadsAtLeast = minimumParameterLoads(graph, memory: memory)
        let top = upTo * memory.bandwidth
        guard top > Double(loadsAtLeast) else { return simple }
        let start = ContinuousClock.now
        let cutCounts = options.relaxationCuts.isEmpty ? [4, 8, 16] : options.relaxationCuts
        // Rungs denser near Y₀, where the relaxation changes fastest.
        let rungs = (0...steps).map { i in
            let share = Double(i) / Double(steps)
            return Double(loadsAtLeast) + (top - Double(loadsAtLeast)) * share * share
        }
        var best = upTo
        for i in 0..<steps {
            let elapsed = (ContinuousClock.now - start).seconds
            let left = options.timeLimit.map { max(0.05, ($0 - elapsed) / Double(steps - i)) }
            let (budget, overflow) = memory.fastBytes.addingReportingOverflow(Int(rungs[i + 1].rounded(.down)))
            let relaxed: Double?
            if overflow || options.timeLimit.map({ elapsed >= $0 }) == true {
                relaxed = costs.onceEach
            } else {
                relaxed = checkpointingBound(graph, costs: costs, budget: budget, cutCounts: cutCounts, options: options, timeLimit: left)
            }
            // nil: proven that nothing fits at C + Yᵢ₊₁, so no plan loads less than Yᵢ₊₁.
            let rung = max(relaxed ?? .infinity, rungs[i] / memory.bandwidth)
            best = min(best, rung)
        }
        return max(simple, best)
    }

    /// A proven lower bound on the compute cost of every one-level plan in stage form within
    /// `budget`, or `nil` where the relaxation proves that none fits: the checkpointing planner's
    /// proven bound (its program's, or the relaxation's where the program is declined), or the
    /// relaxation alone if the planner finds no plan in the time.
    static func checkpointingBound(_ graph: ComputeGraph, costs: LayerCosts, budget: Int, cutCounts: [Int], options: ILPOptions,
                                   timeLimit: Double?) -> Double? {
        var each = options
        each.timeLimit = timeLimit
        each.deadline = nil
        each.progress = nil
        each.phaseProgress = nil
        if let planned = try? CheckpointPlanner.plan(graph, costs: costs, budget: budget, solver: .ilp, options: each),
           let bound = planned.plan.summary?.lowerBound {
            return max(bound, costs.onceEach)
        }
        return CheckpointRelaxation.lowerBound(graph, costs: costs, budget: budget, cutCounts: cutCounts, incumbent: nil,
                                               incumbentCost: nil, solver: options.solver, timeLimit: timeLimit).cost
    }

    /// Bytes every plan loads at least: the parameters read that cannot all be resident beside
    /// the largest layer's other operands (see ``lowerBound(_:costs:memory:)``).
    static func minimumParameterLoads(_ graph: ComputeGraph, memory: DeviceMemory) -> Int {
        let inputs = graph.tensors.reduce(0) { $0 + ($1.kind == .input ? $1.bytes : 0) }
        var operands = inputs
        for l in graph.layers.indices {
            let own = Set(graph.layerInputs[l] + graph.layerOutputs[l]).reduce(0) { $0 + (graph.tensors[$1].kind == .parameter ? 0 : graph.tensors[$1].bytes) }
            operands = max(operands, own)
        }
        let read = graph.tensors.indices.reduce(0) { sum, t in
            sum + (graph.tensors[t].kind == .parameter && !graph.consumers[t].isEmpty ? graph.tensors[t].bytes : 0)
        }
        return read - max(0, min(read, memory.fastBytes - operands))
    }
}
