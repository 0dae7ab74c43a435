extension ComputeGraph {
    /// The training graph of a forward graph: forward layers, a loss, backward layers derived
    /// from autograd's saved-tensor rules, gradient accumulation, and optionally the optimizer's
    /// update layers.
    ///
    /// A graph that already has backward layers is returned as it is.
    ///
    /// - A loss (`cross_entropy`, with an int64 `labels` input of one label per row) is appended
    ///   when no layer is a loss, reading the graph's outputs.
    /// - Forward layers are visited in reverse topological order. A layer whose outputs carry a
    ///   gradient gets a backward layer `<name>.backward` (op `<op>_backward`, phase backward)
    ///   that reads the gradients of its outputs and the tensors autograd saves for its op
    ///   (convolution and linear: input and weight; ReLU: its output; batch normalization: input
    ///   and scale; max pooling: input and argmax indices; adaptive average pooling to more than
    ///   one value per channel: input; dropout: its mask; add, concat, views and products with a
    ///   constant: nothing; ...), and writes the gradients of its inputs that need one. The rules
    ///   are checked against PyTorch's saved-tensor hooks by tools/torch2graph.
    /// - A tensor read by several layers receives one partial gradient per reader; each partial
    ///   after the first is summed into the running total by an `add` layer as soon as it is
    ///   produced, as autograd's input buffers do.
    /// - Backward compute: one forward product per operand that needs a gradient for convolution,
    ///   linear, matmul and attention (so 2× forward for a layer whose input and weight both need
    ///   gradients, as in the seed's table), one forward otherwise; a measured forward `time`
    ///   scales the same way.
    /// - Parameter gradients `<param>.grad` are graph outputs, unless an optimizer is given: then
    ///   each parameter gets an update layer (phase update) that reads the parameter, its gradient
    ///   and its optimizer state (parameters named `<param>.<state>`), and updates them in place.
    ///
    /// - Throws: ``GraphError`` when the graph has no floating-point output to take a loss of,
    ///   or when an optimizer is asked of a graph that already has backward layers.
    /// - Complexity: O(T + L + E).
    public func training(optimizer: Optimizer? = nil) throws(GraphError) -> ComputeGraph {
        if isTraining {
            if let optimizer {
                throw .invalidValue(SourceLocation(path: "layers"), reason: "graph '\(name)' already has backward layers; --optimizer \(optimizer.rawValue) applies to forward-only graphs")
            }
            return self
        }
        var builder = TrainingGraphBuilder(forward: self)
        return try builder.build(optimizer: optimizer)
    }
}

/// Builds a training graph from a validated forward graph; see ``ComputeGraph/training(optimizer:)``.
struct TrainingGraphBuilder {
    let forward: ComputeGraph
    var tensors: [Tensor]
    var layers: [Layer]
    var tensorNames: Set<String>
    var layerNames: Set<String>

    init(forward: ComputeGraph) {
        self.forward = forward
        tensors = forward.tensors
        layers = forward.layers
        tensorNames = Set(tensors.map(\.name))
        layerNames = Set(layers.map(\.name))
    }

    mutating func newTensor(_ t: Tensor) -> String {
        var t = t
        var name = t.name
        var k = 2
        while tensorNames.contains(name) { name = "\(t.name)#\(k)"; k += 1 }
        t.name = name
        tensorNames.insert(name)
        tensors.append(t)
        return name
    }

    mutating func newLayer(_ l: Layer) {
        var l = l
        var name = l.name
        var k = 2
        while layerNames.contains(name) { name = "\(l.name)#\(k)"; k += 1 }
        l.name = name
        layerNames.insert(name)
        layers.append(l)
    }

    func isLoss(_ op: String) -> Bool {
        if case .loss? = CostModel.opClasses[op.lowercased()] { return true }
        return false
    }

    mutating func build(optimizer: Optimizer?) throws(GraphError) -> ComputeGraph {
        // 1. A loss, unless the graph has one.
        var lossTensors: [String] = []
        for (l, layer) in layers.enumerated() where isLoss(layer.op) {
            lossTensors += forward.layerOutputs[l].map { forward.tensors[$0].name }
        }
        if lossTensors.isEmpty {
            let predictions = forward.outputs.filter { forward.tensors[$0].dtype.isFloatingPoint }
            guard !predictions.isEmpty else {
                throw .invalidValue(SourceLocation(path: "outputs"), reason: "graph '\(forward.name)' has no floating-point output to take a loss of")
            }
            var inputs = predictions.map { forward.tensors[$0].name }
            if predictions.count == 1, let shape = forward.tensors[predictions[0]].shape, shape.count >= 2 {
                inputs.append(newTensor(Tensor(name: "labels", shape: [shape[0]], dtype: .int64, kind: .input)))
            }
            let loss = newTensor(Tensor(name: "loss", shape: [], dtype: .float32, kind: .activation))
            newLayer(Layer(name: "loss", op: "cross_entropy", inputs: inputs, outputs: [loss]))
            lossTensors = [loss]
        }

        // 2. Extra forward outputs that only backward reads (argmax indices, dropout masks).
        let forwardCount = layers.count
        var extraOf = [String?](repeating: nil, count: forwardCount)
        for l in 0..<forwardCount {
            let rule = SavedTensorRule.rule(for: layers[l].op)
            guard let extra = rule.extra, let firstOut = layers[l].outputs.first, let out = tensorIndex(firstOut) else { continue }
            let base = tensors[out]
            let source = extra == .mask ? (layers[l].inputs.first.flatMap(tensorIndex).map { tensors[$0] } ?? base) : base
            let dtype: DType = extra == .indices ? .int64 : .bool
            let suffix = extra == .indices ? "indices" : "mask"
            let t = source.shape.map { Tensor(name: "\(base.name).\(suffix)", shape: $0, dtype: dtype) }
                ?? Tensor(name: "\(base.name).\(suffix)", bytes: source.elementCount * dtype.byteWidth, dtype: dtype)
            let name = newTensor(t)
            layers[l].outputs.append(name)
            extraOf[l] = name
        }

        // Index the forward part (forward layers plus the loss).
        var index: [String: Int] = [:]
        for (i, t) in tensors.enumerated() { index[t.name] = i }
        let ins: [[Int]] = layers.map { $0.inputs.map { index[$0]! } }
        let outs: [[Int]] = layers.map { $0.outputs.map { index[$0]! } }

        // 3. Which tensors need a gradient: downstream of a parameter, and upstream of the loss.
        var requiresGrad = [Bool](repeating: false, count: tensors.count)
        for (i, t) in tensors.enumerated() where t.kind == .parameter && t.dtype.isFloatingPoint { requiresGrad[i] = true }
        for l in layers.indices where ins[l].contains(where: { requiresGrad[$0] }) && !SavedTensorRule.makesConstants(layers[l].op) {
            for o in outs[l] where tensors[o].dtype.isFloatingPoint && tensors[o].name != extraOf[l] { requiresGrad[o] = true }
        }
        var needsGrad = [Bool](repeating: false, count: tensors.count)
        for name in lossTensors { needsGrad[index[name]!] = requiresGrad[index[name]!] }
        guard lossTensors.contains(where: { needsGrad[index[$0]!] }) else {
            throw .invalidValue(SourceLocation(path: "tensors"), reason: "graph '\(forward.name)': the loss does not depend on any floating-point parameter, so there is nothing to train")
        }
        var contributes = [Bool](repeating: false, count: layers.count)
        for l in layers.indices.reversed() where outs[l].contains(where: { needsGrad[$0] }) {
            contributes[l] = true
            for i in ins[l] where requiresGrad[i] { needsGrad[i] = true }
        }
        // Partial gradients per tensor: one per distinct contributing reader.
        var partialsExpected = [Int](repeating: 0, count: tensors.count)
        for l in layers.indices where contributes[l] {
            for i in Set(ins[l]) where needsGrad[i] { partialsExpected[i] += 1 }
        }

        // 4. Backward layers in reverse topological order, with accumulation.
        var partialsSeen = [Int](repeating: 0, count: tensors.count)
        var gradName = [String?](repeating: nil, count: tensors.count)
        var runningSum = [String?](repeating: nil, count: tensors.count)
        let lossIDs = Set(lossTensors.map { index[$0]! })
        for l in layers.indices.reversed() where contributes[l] {
            let layer = layers[l]
            let rule = SavedTensorRule.rule(for: layer.op, outputShape: outs[l].first.flatMap { tensors[$0].shape }, inputCount: ins[l].count)
            var bwInputs: [String] = []
            func read(_ name: String) { if !bwInputs.contains(name) { bwInputs.append(name) } }
            for o in outs[l] where needsGrad[o] && !lossIDs.contains(o) {
                if let g = gradName[o] { read(g) }
            }
            for operand in rule.saved {
                switch operand {
                case .input(let k): if k < layer.inputs.count { read(layer.inputs[k]) }
                case .output(let k): if k < layer.outputs.count { read(layer.outputs[k]) }
                case .allInputs: layer.inputs.forEach { read($0) }
                case .inputsFrom(let k): layer.inputs.dropFirst(k).forEach { read($0) }
                case .productPartners:
                    for k in ins[l].indices where ins[l].indices.contains(where: { $0 != k && ins[l][$0] != ins[l][k] && needsGrad[ins[l][$0]] }) {
                        read(layer.inputs[k])
                    }
                    if layer.op.lowercased() == "div", ins[l].count >= 2, needsGrad[ins[l][1]] { read(layer.inputs[1]) }
                    // x·x (one tensor twice) reads x.
                    if Set(ins[l]).count < ins[l].count, let x = ins[l].first, needsGrad[x] { read(layer.inputs[0]) }
                case .extra: if let e = extraOf[l] { read(e) }
                }
            }
            var targets: [Int] = []
            for i in ins[l] where needsGrad[i] && !targets.contains(i) { targets.append(i) }
            var bwOutputs: [String] = []
            var pending: [(tensor: Int, partial: String)] = []
            for i in targets {
                partialsSeen[i] += 1
                let t = tensors[i]
                let k = partialsExpected[i]
                let base = t.name + ".grad"
                let partialName = k == 1 ? base : "\(base).\(partialsSeen[i])"
                let name = newTensor(t.like(name: partialName, kind: .gradient))
                bwOutputs.append(name)
                pending.append((i, name))
            }
            // Backward compute relative to forward.
            let fwdFLOPs = forward.layerID(named: layer.name).flatMap { forward.flops[$0] } ?? lossFLOPs(l)
            var ratio = 1.0
            var extraFLOPs = 0.0
            if rule.isProduct {
                let productOperands = (0..<min(2, ins[l].count)).filter { needsGrad[ins[l][$0]] }.count
                ratio = Double(productOperands)
                if ins[l].count > 2, needsGrad[ins[l][2]], let out = outs[l].first { extraFLOPs = Double(tensors[out].elementCount) }
            }
            var attributes = layer.attributes
            attributes["forward"] = .string(layer.name)
            newLayer(Layer(
                name: "\(layer.name).backward", op: "\(layer.op)_backward", inputs: bwInputs, outputs: bwOutputs,
                phase: .backward, flops: fwdFLOPs.map { $0 * ratio + extraFLOPs },
                time: layer.time.map { $0 * max(ratio, 1) }, attributes: attributes))
            // Accumulate partial gradients as they arrive.
            for (i, partial) in pending {
                let k = partialsExpected[i]
                if k == 1 { gradName[i] = partial; continue }
                guard let previous = runningSum[i] else { runningSum[i] = partial; continue }
                let t = tensors[i]
                let sumName = partialsSeen[i] == k ? t.name + ".grad" : "\(t.name).grad.sum\(partialsSeen[i])"
                let name = newTensor(t.like(name: sumName, kind: .gradient))
                newLayer(Layer(name: "\(t.name).grad.accumulate\(partialsSeen[i])", op: "add", inputs: [previous, partial],
                               outputs: [name], phase: .backward, flops: Double(t.elementCount)))
                runningSum[i] = name
                if partialsSeen[i] == k { gradName[i] = name }
            }
        }

        // 5. Parameter gradients: outputs, or consumed by the optimizer's updates.
        var outputs = lossTensors
        let parameters = forward.tensors.indices.filter { forward.tensors[$0].kind == .parameter && needsGrad[$0] }
        if let optimizer {
            for p in parameters {
                let param = tensors[p]
                var inputs = [param.name, gradName[p]!]
                for state in optimizer.stateNames {
                    inputs.append(newTensor(param.like(name: "\(param.name).\(state)", kind: .parameter)))
                }
                newLayer(Layer(name: "\(param.name).update", op: "\(optimizer.rawValue)_update", inputs: inputs, outputs: [],
                               phase: .update, flops: optimizer.flopsPerElement * Double(param.elementCount)))
            }
        } else {
            outputs += parameters.map { gradName[$0]! }
        }
        return try ComputeGraph(
            name: forward.name, batch: forward.batch, tensors: tensors, layers: layers, outputs: outputs,
            locations: GraphSourceMap(file: nil), inference: false)
    }

    func tensorIndex(_ name: String) -> Int? {
        if let i = forward.tensorID(named: name) { return i }
        return tensors.lastIndex { $0.name == name }
    }

    /// FLOPs of the appended loss layer (not in the forward graph).
    func lossFLOPs(_ l: Int) -> Double? {
        let layer = layers[l]
        let inputs = layer.inputs.compactMap(tensorIndex).map { tensors[$0] }
        let outputs = layer.outputs.compactMap(tensorIndex).map { tensors[$0] }
        if case .success(let c) = CostModel.estimate(op: layer.op, attributes: layer.attributes, inputs: inputs, outputs: outputs, inference: false) {
            return c.flops
        }
        return nil
    }
}
