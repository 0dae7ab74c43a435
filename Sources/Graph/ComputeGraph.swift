import HeapModule

/// Index of a tensor in ``ComputeGraph/tensors``.
public typealias TensorID = Int
/// Index of a layer in ``ComputeGraph/layers`` (a position in topological order).
public typealias LayerID = Int

/// A validated network: tensors, layers in a topological order, graph outputs, and the
/// adjacency and cost of every layer.
///
/// A value of this type always satisfies the invariants that ``init(name:batch:tensors:layers:outputs:file:inference:)``
/// checks: unique names, every referenced tensor declared, one producer per activation and
/// gradient, no cycle, positive sizes, and a determinable cost for every layer. Layers are
/// stored in a topological order that is stable with respect to the order they were given in:
/// when the given order is already topological it is kept as it is, and otherwise a layer moves
/// only as far as a dependency forces it to.
public struct ComputeGraph: Sendable {
    /// The largest total of all tensor sizes a graph may have, in bytes (2^53 = 8 PiB): every sum
    /// of sizes then stays exact in a `Double` and far from `Int` overflow.
    public static let largestTotalBytes = 9_007_199_254_740_992

    /// The largest cost of one layer: FLOPs (given or computed from the shapes), seconds, or a
    /// node-link or random-layered node's cost, 10^30. Every total the planners form (each layer
    /// at most a few hundred times, up to tens of millions of steps) then stays finite.
    public static let largestCost = 1e30

    /// The graph's name, such as `vgg16-b32`.
    public let name: String
    /// The batch size, when the first dimension of data shapes is the batch.
    public let batch: Int?
    /// The tensors, in the order they were declared.
    public let tensors: [Tensor]
    /// The layers, in topological order.
    public let layers: [Layer]
    /// The tensors that must be resident at the end.
    public let outputs: [TensorID]
    /// Whether costs are those of inference (batch normalization as a scale and shift).
    public let isInference: Bool

    /// For each layer, the tensors it reads, in operand order.
    public let layerInputs: [[TensorID]]
    /// For each layer, the tensors it writes.
    public let layerOutputs: [[TensorID]]
    /// For each tensor, the layer that writes it; `nil` for inputs and parameters.
    public let producer: [LayerID?]
    /// For each tensor, the layers that read it, in ascending order.
    public let consumers: [[LayerID]]
    /// For each layer, the floating-point operations of one run: given, or from the cost model;
    /// `nil` only when the layer has a measured `time` and no formula applies.
    public let flops: [Double?]
    /// For each layer, the multiply-accumulates of one run (0 for ops that are not products).
    public let macs: [Double]
    /// For each layer, its index in the order it was given (its JSON path is `layers[i]`).
    public let sourceIndex: [Int]

    let tensorIndex: [String: TensorID]
    let layerIndex: [String: LayerID]

    /// Validates and builds a graph.
    ///
    /// - Parameters:
    ///   - outputs: names of the graph outputs; `nil` means every produced tensor that no layer reads.
    ///   - file: the file the graph was read from, named in errors.
    ///   - inference: compute costs for inference rather than training.
    /// - Complexity: O((T + L + E) log L) for T tensors, L layers and E operand references.
    /// - Throws: ``GraphError`` naming the first problem, with its JSON path.
    public init(
        name: String, batch: Int? = nil, tensors: [Tensor], layers: [Layer], outputs: [String]? = nil,
        file: String? = nil, inference: Bool = false
    ) throws(GraphError) {
        try self.init(
            name: name, batch: batch, tensors: tensors, layers: layers, outputs: outputs,
            locations: GraphSourceMap(file: file), inference: inference)
    }

    init(
        name: String, batch: Int?, tensors: [Tensor], layers givenLayers: [Layer], outputs: [String]?,
        locations: GraphSourceMap, inference: Bool
    ) throws(GraphError) {
        guard !givenLayers.isEmpty else { throw .emptyGraph(file: locations.file) }
        if let batch, batch <= 0 {
            throw .invalidValue(locations.root.appending("batch"), reason: "batch must be a positive integer, got \(batch)")
        }

        // Tensors: unique names, positive sizes.
        var tensorIndex: [String: TensorID] = [:]
        tensorIndex.reserveCapacity(tensors.count)
        var totalBytes = 0
        for (i, t) in tensors.enumerated() {
            if let j = tensorIndex[t.name] {
                throw .duplicateName(locations.tensor(i).appending("name"), name: t.name, firstAt: locations.tensor(j).path)
            }
            tensorIndex[t.name] = i
            if let shape = t.shape, let k = shape.firstIndex(where: { $0 <= 0 }) {
                throw .invalidValue(
                    locations.tensor(i).appending("shape").appending(index: k),
                    reason: "dimension \(k) of tensor '\(t.name)' is \(shape[k]); dimensions must be positive")
            }
            if let shape = t.shape, t.bytes <= 0 || Tensor.byteCount(shape: shape, dtype: t.dtype) == nil {
                throw .invalidValue(
                    locations.tensor(i).appending("shape"),
                    reason: "tensor '\(t.name)' of shape \(shape) has more than 2^63 bytes; the largest tensor is \(ComputeGraph.largestTotalBytes) bytes (2^53)")
            }
            if t.bytes <= 0 {
                throw .invalidValue(
                    locations.tensor(i).appending(t.shape == nil ? "bytes" : "shape"),
                    reason: "tensor '\(t.name)' has size \(t.bytes) bytes; sizes must be positive")
            }
            // The total bounds every sum of sizes the planners form (peaks, budgets, arenas).
            let (sum, overflow) = totalBytes.addingReportingOverflow(t.bytes)
            guard !overflow, sum <= ComputeGraph.largestTotalBytes else {
                throw .invalidValue(
                    locations.tensor(i).appending(t.shape == nil ? "bytes" : "shape"),
                    reason: "the tensors up to '\(t.name)' total more than \(ComputeGraph.largestTotalBytes) bytes (2^53, 8 PiB), the largest total this tool plans")
            }
            totalBytes = sum
        }

        // Layers: unique names, declared operands, one producer per tensor.
        var layerIndex: [String: Int] = [:]
        layerIndex.reserveCapacity(givenLayers.count)
        var producerOf = [Int](repeating: -1, count: tensors.count)
        var ins: [[TensorID]] = []
        var outs: [[TensorID]] = []
        ins.reserveCapacity(givenLayers.count)
        outs.reserveCapacity(givenLayers.count)
        for (i, layer) in givenLayers.enumerated() {
            if let j = layerIndex[layer.name] {
                throw .duplicateName(locations.layer(i).appending("name"), name: layer.name, firstAt: locations.layer(j).path)
            }
            layerIndex[layer.name] = i
            var inIDs: [TensorID] = []
            inIDs.reserveCapacity(layer.inputs.count)
            for (k, n) in layer.inputs.enumerated() {
                guard let id = tensorIndex[n] else {
                    throw .unknownTensor(locations.layer(i).appending("inputs").appending(index: k), name: n)
                }
                inIDs.append(id)
            }
            var outIDs: [TensorID] = []
            outIDs.reserveCapacity(layer.outputs.count)
            for (k, n) in layer.outputs.enumerated() {
                let loc = locations.layer(i).appending("outputs").appending(index: k)
                guard let id = tensorIndex[n] else { throw .unknownTensor(loc, name: n) }
                if producerOf[id] >= 0 {
                    throw .producedTwice(loc, tensor: n, firstProducer: givenLayers[producerOf[id]].name)
                }
                switch tensors[id].kind {
                case .input, .parameter:
                    throw .invalidValue(
                        loc, reason: "tensor '\(n)' has kind \(tensors[id].kind.rawValue) and cannot be written by a layer; use kind activation or gradient")
                case .activation, .gradient: break
                }
                if inIDs.contains(id) {
                    throw .cycle(layers: [layer.name], file: locations.file)
                }
                producerOf[id] = i
                outIDs.append(id)
            }
            ins.append(inIDs)
            outs.append(outIDs)
        }
        for (i, t) in tensors.enumerated() where producerOf[i] < 0 {
            if t.kind == .activation || t.kind == .gradient {
                throw .notProduced(locations.tensor(i), tensor: t.name, kind: t.kind)
            }
        }

        // Topological order, stable with respect to the given order (Kahn's algorithm, always
        // taking the earliest-given ready layer).
        let n = givenLayers.count
        var indegree = [Int](repeating: 0, count: n)
        for i in 0..<n {
            for t in ins[i] where producerOf[t] >= 0 { indegree[i] += 1 }
        }
        var readersByTensor = [[Int]](repeating: [], count: tensors.count)
        for i in 0..<n { for t in ins[i] { readersByTensor[t].append(i) } }
        var ready = Heap<Int>()
        for i in 0..<n where indegree[i] == 0 { ready.insert(i) }
        var order: [Int] = []
        order.reserveCapacity(n)
        while let i = ready.popMin() {
            order.append(i)
            for t in outs[i] {
                for r in readersByTensor[t] {
                    indegree[r] -= 1
                    if indegree[r] == 0 { ready.insert(r) }
                }
            }
        }
        if order.count < n {
            throw .cycle(layers: ComputeGraph.findCycle(ins: ins, producerOf: producerOf, unfinished: indegree).map { givenLayers[$0].name }, file: locations.file)
        }

        // Reorder layers into topological order.
        var position = [Int](repeating: 0, count: n)
        for (p, i) in order.enumerated() { position[i] = p }
        var layers: [Layer] = []
        layers.reserveCapacity(n)
        var layerInputs: [[TensorID]] = []
        var layerOutputs: [[TensorID]] = []
        layerInputs.reserveCapacity(n)
        layerOutputs.reserveCapacity(n)
        for i in order {
            layers.append(givenLayers[i])
            layerInputs.append(ins[i])
            layerOutputs.append(outs[i])
        }
        var finalLayerIndex: [String: LayerID] = [:]
        finalLayerIndex.reserveCapacity(n)
        for (p, l) in layers.enumerated() { finalLayerIndex[l.name] = p }
        var producer = [LayerID?](repeating: nil, count: tensors.count)
        for (t, p) in producerOf.enumerated() where p >= 0 { producer[t] = position[p] }
        var consumers = [[LayerID]](repeating: [], count: tensors.count)
        for (p, inIDs) in layerInputs.enumerated() {
            for t in inIDs where consumers[t].last != p { consumers[t].append(p) }
        }

        // Graph outputs.
        var outputIDs: [TensorID] = []
        if let outputs {
            var seen = Set<TensorID>()
            for (k, n) in outputs.enumerated() {
                guard let id = tensorIndex[n] else {
                    throw .unknownTensor(locations.root.appending("outputs").appending(index: k), name: n)
                }
                if seen.insert(id).inserted { outputIDs.append(id) }
            }
        } else {
            for t in tensors.indices where consumers[t].isEmpty && producer[t] != nil { outputIDs.append(t) }
        }

        // Costs.
        var flops: [Double?] = []
        var macs: [Double] = []
        flops.reserveCapacity(n)
        macs.reserveCapacity(n)
        for p in 0..<n {
            let layer = layers[p]
            let estimate = CostModel.estimate(
                op: layer.op, attributes: layer.attributes,
                inputs: layerInputs[p].map { tensors[$0] }, outputs: layerOutputs[p].map { tensors[$0] },
                inference: inference)
            switch estimate {
            case .success(let cost):
                flops.append(layer.flops ?? cost.flops)
                macs.append(cost.macs)
            case .failure(let failure):
                if let f = layer.flops {
                    flops.append(f)
                    macs.append(0)
                } else if layer.time != nil {
                    flops.append(nil)
                    macs.append(0)
                } else {
                    throw .undeterminableCost(locations.layer(order[p]), layer: layer.name, op: layer.op, reason: failure.reason)
                }
            }
            if let f = layer.flops, !(f >= 0 && f <= Self.largestCost) {
                throw .invalidValue(locations.layer(order[p]).appending("flops"), reason: "flops must be a non-negative number at most 1e30, got \(f)")
            }
            if layer.flops == nil, let f = flops[p], !(f <= Self.largestCost) {
                throw .invalidValue(locations.layer(order[p]), reason: "layer '\(layer.name)' (\(layer.op)) has \(f) FLOPs by its shapes, over the largest cost of 1e30")
            }
            if !(macs[p] <= Self.largestCost) {
                throw .invalidValue(locations.layer(order[p]), reason: "layer '\(layer.name)' (\(layer.op)) has \(macs[p]) MACs by its shapes, over the largest cost of 1e30")
            }
            if let t = layer.time, !(t >= 0 && t <= Self.largestCost) {
                throw .invalidValue(locations.layer(order[p]).appending("time"), reason: "time must be a non-negative number of seconds at most 1e30, got \(t)")
            }
        }

        self.name = name
        self.batch = batch
        self.tensors = tensors
        self.layers = layers
        self.outputs = outputIDs
        self.isInference = inference
        self.layerInputs = layerInputs
        self.layerOutputs = layerOutputs
        self.producer = producer
        self.consumers = consumers
        self.flops = flops
        self.macs = macs
        self.sourceIndex = order
        self.tensorIndex = tensorIndex
        self.layerIndex = finalLayerIndex
    }

    /// One cycle among the layers Kahn's algorithm could not order, as given-order indices.
    private static func findCycle(ins: [[TensorID]], producerOf: [Int], unfinished: [Int]) -> [Int] {
        // Walk predecessors from an unfinished layer; every unfinished layer has an unfinished
        // predecessor, so the walk must revisit a layer, closing a cycle.
        guard let start = unfinished.firstIndex(where: { $0 > 0 }) else { return [] }
        var visitedAt: [Int: Int] = [:]
        var path: [Int] = []
        var current = start
        while visitedAt[current] == nil {
            visitedAt[current] = path.count
            path.append(current)
            guard let pred = ins[current].lazy.map({ producerOf[$0] }).first(where: { $0 >= 0 && unfinished[$0] > 0 }) else { break }
            current = pred
        }
        let cycle = path[(visitedAt[current] ?? 0)...]
        return Array(cycle.reversed())
    }

    /// The tensor with the given name.
    public func tensorID(named name: String) -> TensorID? { tensorIndex[name] }

    /// The layer with the given name.
    public func layerID(named name: String) -> LayerID? { layerIndex[name] }

    /// Whether the graph has backward layers (it is a training graph).
    public var isTraining: Bool { layers.contains { $0.phase != .forward } }
}

/// How validation errors name the position of a tensor or layer in the source document.
struct GraphSourceMap: Sendable {
    var file: String?
    var tensorsKey = "tensors"
    var layersKey = "layers"
    /// Maps a layer's given index to its JSON path, when layers are not a plain array.
    var layerPath: (@Sendable (Int) -> String)? = nil

    var root: SourceLocation { SourceLocation(file: file, path: "") }
    func tensor(_ i: Int) -> SourceLocation { SourceLocation(file: file, path: "\(tensorsKey)[\(i)]") }
    func layer(_ i: Int) -> SourceLocation {
        SourceLocation(file: file, path: layerPath?(i) ?? "\(layersKey)[\(i)]")
    }
}
