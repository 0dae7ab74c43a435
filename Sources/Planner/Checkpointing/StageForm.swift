import Graph

/// What the stage form of a checkpointing schedule allows, before any program is built: which
/// tensor may be resident at the start of which stage, which forward layer may rerun in which
/// stage, and what every stage holds whatever the plan. Shared by ``CheckpointMILP`` and its
/// relaxation ``CheckpointRelaxation``.
///
/// Stage t ends by running layer t for the first time (the frontier). A forward layer may rerun
/// in stage t only while some tensor recomputable from its outputs is still read at or after t
/// (its *reach*); a tensor may be resident only within its reach.
///
/// - Complexity: O(L + E) to build.
struct StageForm {
    let graph: ComputeGraph
    /// Layers in the graph (and stages in the program).
    let n: Int
    let isForward: [Bool]
    let isOutput: [Bool]
    /// Written by a forward layer.
    let recomputable: [Bool]
    /// Each tensor's last reader (n for graph outputs).
    let lastUse: [Int]
    /// The last stage at which a tensor, or anything recomputable from it, is read.
    let reach: [Int]
    /// Tensors written by a backward or update layer: resident in stages (producer, last use].
    let fixedRange: [ClosedRange<Int>?]
    /// Bytes resident in stage t whatever the plan: parameters and the fixed tensors.
    let stageConstant: [Double]

    init(graph: ComputeGraph) {
        self.graph = graph
        let n = graph.layers.count
        let nT = graph.tensors.count
        self.n = n
        isForward = graph.layers.map { $0.phase == .forward }
        var isOutput = [Bool](repeating: false, count: nT)
        for t in graph.outputs { isOutput[t] = true }
        self.isOutput = isOutput
        recomputable = graph.recomputableTensors()
        lastUse = (0..<nT).map { t in isOutput[t] ? n : (graph.consumers[t].last ?? (graph.producer[t] ?? -1)) }
        reach = graph.recomputationReach(lastUse: lastUse, isSource: recomputable.map { !$0 })
        var fixedRange = [ClosedRange<Int>?](repeating: nil, count: nT)
        for t in 0..<nT {
            if let p = graph.producer[t], !isForward[p], lastUse[t] > p { fixedRange[t] = (p + 1)...lastUse[t] }
        }
        self.fixedRange = fixedRange
        let parameterBytes = graph.tensors.filter { $0.kind == .parameter }.reduce(0) { $0 + $1.bytes }
        var stageConstant = [Double](repeating: Double(parameterBytes), count: n)
        for x in 0..<nT {
            guard let r = fixedRange[x] else { continue }
            for t in r where t < n { stageConstant[t] += Double(graph.tensors[x].bytes) }
        }
        self.stageConstant = stageConstant
    }

    /// The stages (0...n) at whose start tensor x may be resident; empty for parameters and fixed
    /// tensors (constants), and for what no plan keeps.
    func residentStages(_ x: TensorID) -> ClosedRange<Int>? {
        let tensor = graph.tensors[x]
        guard tensor.kind != .parameter else { return nil }
        if tensor.kind == .input && graph.producer[x] == nil {
            let last = min(reach[x], n)
            return last >= 0 ? 0...last : nil
        }
        guard recomputable[x], let p = graph.producer[x] else { return nil }
        let last = min(reach[x], n)
        return last > p ? (p + 1)...last : nil
    }

    /// The last stage in which forward layer l may rerun (reruns are in stages l+1...that), or
    /// `nil` when it never does.
    func lastRerunStage(_ l: LayerID) -> Int? {
        guard isForward[l] else { return nil }
        let last = min(n - 1, graph.layerOutputs[l].map { reach[$0] }.max() ?? -1)
        return last > l ? last : nil
    }
}
