import Testing
@testable import Graph

/// The fixtures exported from PyTorch (fixtures/models/exported, tools/make-exported-fixtures.sh):
/// parameter counts against the reference implementations', and the committed training graphs
/// against a fresh derivation.
@Suite("Exported fixtures")
struct ExportedFixtureTests {
    /// (name, parameters): torchvision's counts; Hugging Face's GPT2Model and BertModel; the
    /// U-Net of Ronneberger et al. with padded convolutions and transposed-convolution upsampling.
    static let models: [(String, Int)] = [
        ("vgg16", 138_357_544), ("resnet50", 25_557_032), ("mobilenet_v2", 3_504_872),
        ("unet", 31_037_698), ("gpt2", 124_439_808), ("bert", 109_482_240),
        ("mobilenet_v2_mcu", 398_690),  // torchvision's mobilenet_v2(width_mult=0.35, num_classes=2)
    ]

    @Test(arguments: models)
    func parameterCountsMatchTheReferences(name: String, parameters: Int) throws {
        for suffix in ["", "-train", "-int8"] {
            let g = try ComputeGraph.load(contentsOf: fixturePath("fixtures/models/exported/\(name)\(suffix).json"))
            let count = g.tensors.filter { $0.kind == .parameter }.reduce(0) { $0 + $1.elementCount }
            #expect(count == parameters, "\(name)\(suffix)")
        }
    }

    /// The committed training graph is what the current saved-tensor rules derive (regenerate with
    /// tools/make-exported-fixtures.sh when the rules change).
    @Test(arguments: models.map(\.0))
    func trainingGraphsAreCurrent(name: String) throws {
        let forward = try ComputeGraph.load(contentsOf: fixturePath("fixtures/models/exported/\(name).json"))
        let committed = try ComputeGraph.load(contentsOf: fixturePath("fixtures/models/exported/\(name)-train.json"))
        let derived = try forward.training()
        #expect(derived.layers.map(\.name) == committed.layers.map(\.name))
        #expect(derived.layers.map(\.inputs) == committed.layers.map(\.inputs), "\(name): backward reads differ")
        #expect(derived.tensors.map(\.bytes) == committed.tensors.map(\.bytes))
    }

    /// The int8 copies hold every float tensor at one byte per element.
    @Test func int8CopiesAreQuarterSize() throws {
        let f = try ComputeGraph.load(contentsOf: fixturePath("fixtures/models/exported/mobilenet_v2.json"))
        let q = try ComputeGraph.load(contentsOf: fixturePath("fixtures/models/exported/mobilenet_v2-int8.json"))
        let fb = f.tensors.reduce(0) { $0 + $1.bytes }, qb = q.tensors.reduce(0) { $0 + $1.bytes }
        #expect(fb == 4 * qb)
    }
}
