import ArgumentParser
import Graph

@main
struct PlanCLI: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan-cli",
        abstract: "Memory planning for deep-network training and inference on memory-limited hardware.",
        version: "0.1.0",
        subcommands: [Analyze.self, PlanCommand.self, Verify.self, LayoutCommand.self, Bench.self, Export.self]
    )
}

/// How a graph file is turned into the graph to work on; shared by the subcommands.
struct GraphOptions: ParsableArguments {
    @Argument(help: "Graph file: the native JSON format (docs/graph-format.md) or a Checkmate/Moccasin node-link JSON.")
    var graph: String

    @Flag(help: "Derive the training graph (loss, backward, gradient accumulation) from a forward-only graph.")
    var training = false

    @Option(help: "Append the optimizer's update layers and state (sgd, momentum, adam); implies --training.")
    var optimizer: Optimizer?

    @Flag(help: "The inference view: forward layers only, batch normalization as scale and shift.")
    var inference = false

    @Option(parsing: .unconditional, help: "Rescale the batch dimension to N (the graph must have a \"batch\" field).")
    var batch: Int?

    func validate() throws {
        if inference && (training || optimizer != nil) {
            throw ValidationError("--inference cannot be combined with --training or --optimizer")
        }
        if let batch, batch <= 0 { throw ValidationError("--batch must be a positive integer, got \(batch)") }
    }

    /// Loads, rescales and derives the graph as asked.
    func load(stopwatch: inout Stopwatch) throws -> ComputeGraph {
        var graph = try ComputeGraph.load(contentsOf: self.graph, inference: inference)
        stopwatch.lap("read and validate \(graph.layers.count) layers")
        if let batch {
            graph = try graph.rescaled(batch: batch)
            stopwatch.lap("rescale to batch \(batch)")
        }
        if training || optimizer != nil {
            graph = try graph.training(optimizer: optimizer)
            stopwatch.lap("derive training graph (\(graph.layers.count) layers)")
        }
        return graph
    }
}

extension Optimizer: ExpressibleByArgument {}

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case table, json, csv
}
