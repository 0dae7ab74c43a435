import Testing
@testable import Graph

/// The bundled models against their published parameter and MAC counts.
@Suite("Model fixtures")
struct ModelFixtureTests {
    /// (file, published parameters, published GMACs per 224×224 image)
    static let models: [(String, Int, Double)] = [
        ("fixtures/models/vgg16.json", 138_357_544, 15.5),   // Simonyan & Zisserman 2015; torchvision
        ("fixtures/models/resnet50.json", 25_557_032, 4.1),  // He et al. 2016; torchvision
    ]

    @Test(arguments: models)
    func parametersAndMACsMatchPublishedFigures(file: String, parameters: Int, gmacs: Double) throws {
        let g = try ComputeGraph.load(contentsOf: fixturePath(file))
        let batch = try #require(g.batch)
        let a = try GraphAnalysis(graph: g)
        #expect(a.totals.parameterCount == parameters)
        let perImage = a.totals.forwardMACs / Double(batch) / 1e9
        // "About 15.5" and "about 4.1": the published figures have two significant digits.
        #expect(abs(perImage - gmacs) / gmacs < 0.01, "got \(perImage) GMACs per image")
    }

    /// VGG-16's MACs per image summed independently from its configuration (3×3 convolutions
    /// with padding 1, pooling halving the side, three fully connected layers).
    @Test func vgg16MACsEqualTheConfigurationSum() throws {
        let g = try ComputeGraph.load(contentsOf: fixturePath("fixtures/models/vgg16.json"))
        var side = 224, channels = 3, macs = 0
        for v in [64, 64, 0, 128, 128, 0, 256, 256, 256, 0, 512, 512, 512, 0, 512, 512, 512, 0] {
            if v == 0 { side /= 2; continue }
            macs += side * side * v * channels * 9
            channels = v
        }
        macs += 25088 * 4096 + 4096 * 4096 + 4096 * 1000
        let productMACs = g.macs.reduce(0, +) / Double(g.batch!)
        #expect(productMACs == Double(macs))
    }

    @Test func trainingGraphsDerive() throws {
        for (file, _, _) in Self.models {
            let g = try ComputeGraph.load(contentsOf: fixturePath(file)).training(optimizer: .adam)
            let a = try GraphAnalysis(graph: g)
            // Backward about twice forward (the seed's table); the first convolution has no input gradient.
            let ratio = a.totals.backwardFLOPs / a.totals.forwardFLOPs
            #expect(ratio > 1.9 && ratio < 2.0, "\(file): backward/forward = \(ratio)")
            // Adam keeps two moments per parameter.
            #expect(a.totals.optimizerStateBytes == 2 * a.totals.parameterBytes)
        }
    }
}
