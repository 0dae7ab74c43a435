import Testing
@testable import Graph

/// The roofline view against hand computation on a made-up device.
@Suite("Graph analysis")
struct GraphAnalysisTests {
    /// 1 GFLOP/s peak, fast memory 1 KiB at 1000 B/s, slow memory at 100 B/s.
    static let device = Hardware(
        name: "toy", peakFLOPS: [:], defaultPeakFLOPS: 1e9,
        onChip: MemoryLevel(name: "sram", capacityBytes: 1024, bandwidth: 1000),
        offChip: MemoryLevel(name: "dram", capacityBytes: 1 << 20, bandwidth: 100))

    /// a = linear(x[1,8], w1[8,8]) ; b = relu(a) ; c = linear(b, w2[8,8]).
    static func graph() throws -> ComputeGraph {
        try ComputeGraph(name: "mlp", tensors: [
            Tensor(name: "x", shape: [1, 8], kind: .input),
            Tensor(name: "w1", shape: [8, 8], kind: .parameter), Tensor(name: "w2", shape: [8, 8], kind: .parameter),
            Tensor(name: "a", shape: [1, 8]), Tensor(name: "b", shape: [1, 8]), Tensor(name: "c", shape: [1, 8]),
        ], layers: [
            Layer(name: "fc1", op: "linear", inputs: ["x", "w1"], outputs: ["a"]),
            Layer(name: "relu", op: "relu", inputs: ["a"], outputs: ["b"]),
            Layer(name: "fc2", op: "linear", inputs: ["b", "w2"], outputs: ["c"], time: 5),
        ])
    }

    @Test func perLayerFiguresMatchHandComputation() throws {
        let a = try GraphAnalysis(graph: Self.graph(), hardware: Self.device)
        let fc1 = a.layers[0]
        #expect(fc1.macs == 64 && fc1.flops == 128)
        #expect(fc1.parameterBytes == 256 && fc1.activationBytes == 64)
        #expect(fc1.arithmeticIntensity == 128.0 / 320.0)
        let d = try #require(fc1.device)
        #expect(d.computeTime == 128e-9)
        #expect(d.memoryTime == 0.32)           // 320 B at 1000 B/s
        #expect(d.time == 0.32 && d.bound == .memory)
        #expect(d.parameterLoadTime == 2.56)    // 256 B at 100 B/s
        #expect(d.prefetch == .firstLayer)
        #expect(d.fitsOnChip)
        // relu: no parameters; 64 B moved.
        #expect(a.layers[1].device?.prefetch == .nothingToLoad)
        #expect(a.layers[1].device?.time == 0.064)
        // fc2: measured 5 s; its 2.56 s load hides under relu's 0.064 s? No: stall 2.496 s.
        let fc2 = try #require(a.layers[2].device)
        #expect(fc2.timeIsMeasured && fc2.time == 5)
        guard case .exposed(let stall) = fc2.prefetch else { Issue.record("expected an exposed load"); return }
        #expect(abs(stall - (2.56 - 0.064)) < 1e-12)
        #expect(abs(a.totals.time! - (0.32 + 0.064 + 5)) < 1e-12)
        #expect(abs(a.totals.prefetchStall! - (2.56 + 2.496)) < 1e-12)
    }

    @Test func loadHidesWhenComputeIsSlower() throws {
        var slow = Self.device
        slow.defaultPeakFLOPS = 10  // 128 FLOPs take 12.8 s
        slow.offChip.bandwidth = 1e6
        let a = try GraphAnalysis(graph: Self.graph(), hardware: slow)
        #expect(a.layers[0].device?.bound == .compute)
        guard case .hidden? = a.layers[2].device?.prefetch else { Issue.record("expected a hidden load"); return }
    }

    @Test func fitsOnChip() throws {
        var tiny = Self.device
        tiny.onChip.capacityBytes = 100
        let d = try #require(try GraphAnalysis(graph: Self.graph(), hardware: tiny).layers[0].device)
        #expect(!d.parametersFitOnChip && d.activationsFitOnChip && !d.fitsOnChip)
        #expect(GraphAnalysis.fitDescription(d) == "no (params)")
    }

    @Test func totalsAndDominantLayers() throws {
        let a = try GraphAnalysis(graph: Self.graph(), hardware: Self.device, dominantCount: 2)
        #expect(a.totals.parameterCount == 128)
        #expect(a.totals.forwardMACs == 128)
        #expect(a.totals.dominantByTime == [2, 0])
        #expect(a.totals.dominantByMemory == [0, 2])
        // Keep-everything peak: fc1 holds x, w1, w2, a = 32 + 256 + 256 + 32.
        #expect(a.totals.peakBytes == 576)
        #expect(a.totals.trainingPeakBytes != nil)
    }

    @Test func missingPeakForADTypeIsAClearError() throws {
        let strict = Hardware(name: "int8-only", peakFLOPS: [.int8: 1e12],
                              onChip: Self.device.onChip, offChip: Self.device.offChip)
        #expect(throws: GraphError.self) { try GraphAnalysis(graph: Self.graph(), hardware: strict) }
    }

    @Test func renderings() throws {
        let a = try GraphAnalysis(graph: Self.graph(), hardware: Self.device)
        let table = a.table()
        #expect(table.contains("fc1") && table.contains("memory") && table.contains("first layer"))
        let csv = a.csv().split(separator: "\n")
        #expect(csv.count == 4)
        #expect(Set(csv.map { $0.split(separator: ",", omittingEmptySubsequences: false).count }).count == 1)
        let json = try JSONValue.parse(a.json().serialized(pretty: true))
        #expect(json.objectValue?["layers"]?.arrayValue?.count == 3)
        #expect(json.objectValue?["totals"]?.objectValue?["parameter_count"] == .number(128))
    }
}
