import ArgumentParser
import Graph
import Planner

/// What `plan` and `verify` share: the layer costs (on a device when one is given), the
/// checkpoint-all reference, and budgets resolved against its peak.
struct PlanningContext {
    let costs: LayerCosts
    let reference: PlannedSchedule
    let hardware: Hardware?

    init(graph: ComputeGraph, hardwarePath: String?) throws {
        hardware = try loadHardware(hardwarePath)
        costs = try LayerCosts.make(for: graph, hardware: hardware)
        reference = try Baselines.checkpointAll(graph, costs: costs)
    }

    /// `--budget` in bytes: a byte count, or a percentage of the checkpoint-all peak.
    func budgetBytes(_ text: String) throws -> Int {
        try Self.checkBudget(text)
        return MemoryBudget(text)!.resolve(checkpointAllPeak: reference.simulation.peakBytes)
    }

    /// Checks that `--budget` reads, before any file is loaded: says what a budget may be.
    static func checkBudget(_ text: String?) throws {
        guard let text, MemoryBudget(text) == nil else { return }
        throw ValidationError("--budget '\(text)' is neither a byte count (6GiB, 512MiB, 123456) nor a percentage (40%): a budget is a positive decimal number of bytes (below 2^63, with an optional unit) or a positive percentage of the checkpoint-all peak up to 1,000,000%; hexadecimal is not read")
    }
}

/// The hardware description at `path`, if one is given.
func loadHardware(_ path: String?) throws(GraphError) -> Hardware? {
    guard let path else { return nil }
    return try Hardware.load(contentsOf: path)
}
