import Graph

extension LayoutProblem {
    /// The instances of a one-level plan: each input and parameter from tick −1, each output of
    /// a compute from that step's index to the index of the step that frees it.
    /// - Throws: ``PlanError`` for a step the plan rules reject (replay the plan first for the
    ///   full check), or an invalid alignment.
    public static func oneLevel(_ plan: Plan, on graph: ComputeGraph, alignment: Int) throws(PlanError) -> LayoutProblem {
        try LayoutProblem(instances: oneLevelInstances(plan, on: graph), alignment: alignment)
    }

    /// The instances of a one-level plan, without the conflict lists (see ``oneLevel(_:on:alignment:)``).
    public static func oneLevelInstances(_ plan: Plan, on graph: ComputeGraph) throws(PlanError) -> [TensorInstance] {
        if plan.isTwoLevel { throw .invalidRequest("a two-level plan has one arena per memory level; lay it out with its timing (twoLevel)") }
        let steps = try PlanSimulator.resolvedSteps(of: plan, on: graph)
        var instances: [TensorInstance] = []
        var open = [Int](repeating: -1, count: graph.tensors.count)
        for (t, tensor) in graph.tensors.enumerated() where tensor.kind == .input || tensor.kind == .parameter {
            open[t] = instances.count
            instances.append(TensorInstance(tensor: t, name: tensor.name, bytes: tensor.bytes, step: -1, start: -1, end: TensorInstance.forever))
        }
        for (i, step) in steps.enumerated() {
            switch step {
            case .compute(let l):
                for t in graph.layerOutputs[l] {
                    guard open[t] < 0 else {
                        throw .invalidStep(step: i, description: "compute \(graph.layers[l].name)", reason: "output '\(graph.tensors[t].name)' is already resident")
                    }
                    open[t] = instances.count
                    instances.append(TensorInstance(tensor: t, name: graph.tensors[t].name, bytes: graph.tensors[t].bytes, step: i, start: i, end: TensorInstance.forever))
                }
            case .free(let t):
                guard open[t] >= 0 else {
                    throw .invalidStep(step: i, description: "free \(graph.tensors[t].name)", reason: "tensor '\(graph.tensors[t].name)' is not resident")
                }
                instances[open[t]].end = i
                open[t] = -1
            }
        }
        return instances
    }

    /// The fast- and slow-memory instances of a two-level plan, from its replay in time.
    public static func twoLevel(_ timing: TimingResult, alignment: Int) throws(PlanError) -> (fast: LayoutProblem, slow: LayoutProblem) {
        (try LayoutProblem(instances: timing.fastInstances, alignment: alignment),
         try LayoutProblem(instances: timing.slowInstances, alignment: alignment))
    }
}
