import ArgumentParser
import Foundation
import Graph

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write the graph as the tool sees it (validated, rescaled, derived) in the native format.",
        discussion: """
        Examples:
          plan-cli export fixtures/models/resnet50.json --training --optimizer sgd -o resnet50-train.json
          plan-cli export checkmate_vgg16.json            # a node-link graph in the native format
        """
    )

    @OptionGroup var graphOptions: GraphOptions

    @Option(name: .shortAndLong, help: "Output file; standard output when absent.")
    var output: String?

    func run() throws {
        var stopwatch = Stopwatch(enabled: false)
        let graph = try graphOptions.load(stopwatch: &stopwatch)
        let text = graph.nativeJSON().serialized(pretty: true) + "\n"
        if let output {
            try OutputFile.write(text, to: output)
        } else {
            print(text, terminator: "")
        }
    }
}
