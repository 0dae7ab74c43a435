extension GraphAnalysis {
    /// Aligned columns in human units, then the totals and the dominant layers.
    public func table() -> String {
        var headers = ["layer", "op", "phase", "MACs", "FLOPs", "params", "activations", "FLOP/B"]
        var align: [TextTable.Alignment] = [.left, .left, .left, .right, .right, .right, .right, .right]
        let measuredOnly = hardware == nil && layers.contains { $0.measuredTime != nil }
        if hardware != nil {
            headers += ["bound", "on-chip", "time", "param load", "prefetch"]
            align += [.left, .left, .right, .right, .left]
        } else if measuredOnly {
            headers.append("time")
            align.append(.right)
        }
        var table = TextTable(headers: headers, alignments: align)
        for a in layers {
            var row = [
                a.name, a.op, a.phase.rawValue,
                a.macs > 0 ? Units.count(a.macs) : "-",
                a.flops.map(Units.count) ?? "?",
                a.parameterBytes > 0 ? Units.bytes(a.parameterBytes) : "-",
                Units.bytes(a.activationBytes),
                a.arithmeticIntensity.map { $0.isFinite ? Units.significant($0) : "inf" } ?? "?",
            ]
            if let d = a.device {
                row += [
                    d.bound?.rawValue ?? "?",
                    GraphAnalysis.fitDescription(d),
                    Units.seconds(d.time) + (d.timeIsMeasured ? "*" : ""),
                    a.parameterBytes > 0 ? Units.seconds(d.parameterLoadTime) : "-",
                    GraphAnalysis.overlapDescription(d.prefetch),
                ]
            } else if measuredOnly {
                row.append(a.measuredTime.map(Units.significant) ?? "?")
            }
            table.append(row)
        }
        var out = "\(graphName)" + (batch.map { " (batch \($0))" } ?? "")
        if let hw = hardware {
            out += " on \(hw.name): fast memory \(hw.onChip.name) \(Units.bytes(hw.onChip.capacityBytes)) at \(Units.rate(hw.onChip.bandwidth)), slow memory \(hw.offChip.name) \(Units.bytes(hw.offChip.capacityBytes)) at \(Units.rate(hw.offChip.bandwidth))"
        }
        out += "\n\n" + table.rendered()
        if hardware != nil, layers.contains(where: { $0.device?.timeIsMeasured == true }) { out += "* measured time from the graph\n" }
        out += "\n" + totalsText()
        return out
    }

    /// "fits" when everything the layer touches fits in the fast memory at once; otherwise what does not.
    static func fitDescription(_ d: LayerOnDevice) -> String {
        if d.fitsOnChip { return "fits" }
        switch (d.parametersFitOnChip, d.activationsFitOnChip) {
        case (true, true): return "no (together)"
        case (true, false): return "no (acts)"
        case (false, true): return "no (params)"
        case (false, false): return "no (both)"
        }
    }

    static func overlapDescription(_ o: PrefetchOverlap) -> String {
        switch o {
        case .nothingToLoad: "-"
        case .firstLayer: "first layer"
        case .hidden: "hidden"
        case .exposed(let stall): "stall \(Units.seconds(stall))"
        }
    }

    /// The totals and the dominant layers as indented text.
    public func totalsText() -> String {
        let t = totals
        var lines: [(String, String)] = [
            ("parameters", "\(Units.count(Double(t.parameterCount))) (\(t.parameterCount)), \(Units.bytes(t.parameterBytes))"),
        ]
        if t.optimizerStateBytes > 0 { lines.append(("optimizer state", Units.bytes(t.optimizerStateBytes))) }
        let unknown = layers.filter { $0.flops == nil }.count
        lines.append(("forward", "\(Units.count(t.forwardMACs, unit: "MAC")), \(Units.count(t.forwardFLOPs, unit: "FLOP"))"
            + (unknown > 0 ? " (\(unknown) of \(layers.count) layers have a measured time only, no FLOPs)" : "")))
        if t.backwardFLOPs > 0 {
            lines.append(("backward", "\(Units.count(t.backwardFLOPs, unit: "FLOP")) (\(Units.fixed(t.backwardFLOPs / max(t.forwardFLOPs, 1), decimals: 2))x forward)"))
        }
        if t.updateFLOPs > 0 { lines.append(("update", Units.count(t.updateFLOPs, unit: "FLOP"))) }
        lines.append(("peak (keep everything)", Units.bytes(t.peakBytes) + (t.peakLayer.map { " at \($0)" } ?? "")))
        if let tp = t.trainingPeakBytes, tp != t.peakBytes { lines.append(("training peak (keep everything)", Units.bytes(tp))) }
        if let time = t.time {
            lines.append(("time (all layers once)", Units.seconds(time)))
            if let stall = t.prefetchStall { lines.append(("double-buffered load stall", Units.seconds(stall))) }
        }
        let timed = hardware != nil || layers.contains { $0.measuredTime != nil }
        lines.append((timed ? "most time" : "most FLOPs", t.dominantByTime.map { l in
            let a = layers[l]
            let v = a.device.map { Units.seconds($0.time) } ?? a.measuredTime.map { "time \(Units.significant($0))" } ?? Units.count(a.flops ?? 0, unit: "FLOP")
            return "\(a.name) (\(v))"
        }.joined(separator: ", ")))
        lines.append(("most bytes", t.dominantByMemory.map { "\(layers[$0].name) (\(Units.bytes(layers[$0].bytesMoved)))" }.joined(separator: ", ")))
        let width = lines.map(\.0.count).max() ?? 0
        return lines.map { $0.0 + ":" + String(repeating: " ", count: width - $0.0.count + 1) + $0.1 }.joined(separator: "\n") + "\n"
    }

    /// One row per layer with raw numbers (bytes, operations, seconds), for spreadsheets.
    public func csv() -> String {
        var header = ["layer", "op", "phase", "macs", "flops", "parameter_bytes", "activation_bytes", "arithmetic_intensity"]
        if hardware != nil {
            header += ["bound", "parameters_fit_on_chip", "activations_fit_on_chip", "fits_on_chip", "compute_time_s", "memory_time_s", "time_s", "time_measured", "parameter_load_s", "prefetch", "prefetch_stall_s"]
        }
        var out = header.joined(separator: ",") + "\n"
        for a in layers {
            var row = [GraphAnalysis.csvField(a.name), GraphAnalysis.csvField(a.op), a.phase.rawValue, JSONValue.format(a.macs),
                       a.flops.map(JSONValue.format) ?? "", String(a.parameterBytes), String(a.activationBytes),
                       a.arithmeticIntensity.map { $0.isFinite ? "\($0)" : "inf" } ?? ""]
            if let d = a.device {
                row += [d.bound?.rawValue ?? "", "\(d.parametersFitOnChip)", "\(d.activationsFitOnChip)", "\(d.fitsOnChip)",
                        d.computeTime.map { "\($0)" } ?? "", "\(d.memoryTime)", "\(d.time)", "\(d.timeIsMeasured)",
                        "\(d.parameterLoadTime)", GraphAnalysis.prefetchName(d.prefetch), "\(d.prefetch.stall)"]
            }
            out += row.joined(separator: ",") + "\n"
        }
        return out
    }

    static func csvField(_ s: String) -> String {
        guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) else { return s }
        return "\"" + s.replacingAll("\"", with: "\"\"") + "\""
    }

    static func prefetchName(_ o: PrefetchOverlap) -> String {
        switch o {
        case .nothingToLoad: "none"
        case .firstLayer: "first"
        case .hidden: "hidden"
        case .exposed: "exposed"
        }
    }

    /// The whole analysis as a JSON document (bytes, operations and seconds as plain numbers).
    public func json() -> JSONValue {
        func num(_ d: Double) -> JSONValue { d.isFinite ? .number(d) : .null }
        let layerValues: [JSONValue] = layers.map { a in
            var o: [String: JSONValue] = [
                "name": .string(a.name), "op": .string(a.op), "phase": .string(a.phase.rawValue),
                "macs": .number(a.macs), "flops": a.flops.map(num) ?? .null,
                "parameter_bytes": .number(Double(a.parameterBytes)), "activation_bytes": .number(Double(a.activationBytes)),
                "arithmetic_intensity": a.arithmeticIntensity.map(num) ?? .null,
            ]
            if let d = a.device {
                o["bound"] = d.bound.map { .string($0.rawValue) } ?? .null
                o["parameters_fit_on_chip"] = .bool(d.parametersFitOnChip)
                o["activations_fit_on_chip"] = .bool(d.activationsFitOnChip)
                o["fits_on_chip"] = .bool(d.fitsOnChip)
                o["compute_time"] = d.computeTime.map(num) ?? .null
                o["memory_time"] = num(d.memoryTime)
                o["time"] = num(d.time)
                o["time_measured"] = .bool(d.timeIsMeasured)
                o["parameter_load_time"] = num(d.parameterLoadTime)
                o["prefetch"] = .string(GraphAnalysis.prefetchName(d.prefetch))
                o["prefetch_stall"] = num(d.prefetch.stall)
            }
            return .object(o)
        }
        let t = totals
        var totalsObject: [String: JSONValue] = [
            "parameter_count": .number(Double(t.parameterCount)), "parameter_bytes": .number(Double(t.parameterBytes)),
            "optimizer_state_bytes": .number(Double(t.optimizerStateBytes)),
            "forward_macs": .number(t.forwardMACs), "forward_flops": .number(t.forwardFLOPs),
            "backward_flops": .number(t.backwardFLOPs), "update_flops": .number(t.updateFLOPs),
            "peak_bytes": .number(Double(t.peakBytes)), "peak_layer": t.peakLayer.map(JSONValue.string) ?? .null,
            "training_peak_bytes": t.trainingPeakBytes.map { .number(Double($0)) } ?? .null,
            "dominant_by_time": .array(t.dominantByTime.map { .string(layers[$0].name) }),
            "dominant_by_memory": .array(t.dominantByMemory.map { .string(layers[$0].name) }),
        ]
        if let time = t.time { totalsObject["time"] = num(time) }
        if let stall = t.prefetchStall { totalsObject["prefetch_stall"] = num(stall) }
        var root: [String: JSONValue] = [
            "graph": .string(graphName), "layers": .array(layerValues), "totals": .object(totalsObject),
        ]
        root["batch"] = batch.map { .number(Double($0)) } ?? .null
        if let hw = hardware { root["hardware"] = .string(hw.name) }
        return .object(root)
    }
}

extension String {
    func replacingAll(_ target: Character, with replacement: String) -> String {
        var out = ""
        for c in self { if c == target { out += replacement } else { out.append(c) } }
        return out
    }
}
