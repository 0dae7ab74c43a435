import ArgumentParser
import Graph

struct Analyze: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The computational view of every layer: MACs, bytes, arithmetic intensity, roofline bound, on-chip fit, parameter load and overlap.",
        discussion: """
        Examples:
          plan-cli analyze fixtures/models/vgg16.json --hardware fixtures/hardware/edge-npu.json
          plan-cli analyze fixtures/models/resnet50.json --training --optimizer adam --batch 64 --format json
        """
    )

    @OptionGroup var graphOptions: GraphOptions

    @Option(help: "Hardware description (docs/hardware-format.md); adds time, roofline bound, on-chip fit and prefetch overlap.")
    var hardware: String?

    @Option(help: "Output format: table, json or csv.")
    var format: OutputFormat = .table

    @Option(help: "How many layers to list as dominating time and memory.")
    var top: Int = 5

    @Flag(help: "Print the time of each phase (load, derive, analyse, render) to standard error.")
    var timings = false

    func run() throws {
        var stopwatch = Stopwatch(enabled: timings)
        let graph = try graphOptions.load(stopwatch: &stopwatch)
        let hw = try loadHardware(hardware)
        let analysis = try GraphAnalysis(graph: graph, hardware: hw, dominantCount: max(0, top))
        stopwatch.lap("analyse \(graph.layers.count) layers")
        let text: String
        switch format {
        case .table: text = analysis.table()
        case .csv: text = analysis.csv()
        case .json: text = analysis.json().serialized(pretty: true) + "\n"
        }
        stopwatch.lap("render \(format.rawValue)")
        print(text, terminator: "")
        stopwatch.lap("write")
        stopwatch.report()
    }
}
