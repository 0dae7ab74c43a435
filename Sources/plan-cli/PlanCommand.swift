import ArgumentParser
import Foundation
import Graph
import Planner

struct PlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Choose which activations to keep and which to recompute within a memory budget, or which parameters to keep on-chip and what to stream.",
        discussion: """
        The plan is replayed by the simulator before it is written. Budgets: bytes with a unit
        (6GiB, 512MiB, 1.5GB) or a share of the checkpoint-all peak (40%).

        The two-level solvers (\(TwoLevelSolver.allCases.map(\.rawValue).joined(separator: ", "))) plan
        parameter residency, double-buffered prefetch and activation offload on the device given by
        --hardware: fast memory is its on-chip memory (or --budget), slow memory its off-chip memory.

        Examples:
          plan-cli plan fixtures/models/vgg16.json --training --budget 60% -o vgg16-plan.json
          plan-cli plan checkmate_vgg16.json --budget 8GiB --solver chen-greedy
          plan-cli plan fixtures/models/vgg16.json --training --optimizer adam --hardware fixtures/hardware/datacenter-gpu.json --budget 4GiB --solver best-two-level
        """
    )

    @OptionGroup var graphOptions: GraphOptions

    @Option(parsing: .unconditional, help: "Memory budget: bytes with a unit (6GiB) or a percentage of the checkpoint-all peak (40%). Required for checkpointing; for the two-level solvers, the fast memory (default: the hardware's on-chip capacity).")
    var budget: String?

    @Option(help: "Solver: \((CheckpointSolver.allCases.map(\.rawValue) + TwoLevelSolver.allCases.map(\.rawValue)).joined(separator: ", ")).")
    var solver: SolverChoice = .checkpoint(.ilp)

    @Option(parsing: .unconditional, help: "Seconds for the ilp solver; it returns the best plan found with its proven bound and gap.")
    var timeLimit: Double = 60

    @Option(help: "MILP backend for the ilp and two-level-milp solvers: glpk (default) or cbc (COIN-OR CBC, optional: apt-get install coinor-libcbc-dev).")
    var backend: MILPBackend = .glpk

    @Flag(help: "Report the ilp solver's progress (bound, elapsed) on standard error even when it is not a terminal.")
    var progress = false

    @Flag(help: "Plan in the layer order given, as Moccasin's model does. By default a graph without backward layers (inference, a general DAG) is planned in a memory-aware layer order when that lowers its keep-everything peak.")
    var keepOrder = false

    @Option(help: "Price layers in seconds on this hardware (roofline or measured time) instead of FLOPs or the graph's times.")
    var hardware: String?

    @Option(name: .shortAndLong, help: "Write the plan (docs/plan-format.md) to this file.")
    var output: String?

    @OptionGroup var memory: MemoryLimitOptions

    @OptionGroup var layoutFlags: LayoutFlags

    func validate() throws {
        guard timeLimit > 0, timeLimit.isFinite else { throw ValidationError("--time-limit must be a positive number of seconds, got \(timeLimit)") }
        try PlanningContext.checkBudget(budget)
        switch solver {
        case .checkpoint: if budget == nil { throw ValidationError("--budget is required for checkpointing solvers") }
        case .twoLevel(let s): if hardware == nil { throw ValidationError("--solver \(s.rawValue) plans for a device: give --hardware FILE") }
        }
    }

    func run() throws {
        let limit = try memory.install()
        defer { MemoryLimitOptions.note(limit) }
        var stopwatch = Stopwatch(enabled: false)
        let graph = try graphOptions.load(stopwatch: &stopwatch)
        let context = try PlanningContext(graph: graph, hardwarePath: hardware)
        let costs = context.costs
        let report = progress || isatty(STDERR_FILENO) != 0
        var options = ILPOptions(timeLimit: timeLimit, solver: try backend.solver(), progress: report ? ProgressPrinter.report : nil)
        if report { options.phaseProgress = ProgressPrinter.phase }
        options.reordersLayers = !keepOrder
        let solver: CheckpointSolver
        switch self.solver {
        case .checkpoint(let s): solver = s
        case .twoLevel(let s):
            let memory = DeviceMemory(hardware: context.hardware!, budget: try budget.map(context.budgetBytes))
            var result: TimedPlan
            if layoutFlags.layout {
                let laidOut = try TwoLevelPlanner.planFittingLayout(graph, costs: costs, memory: memory, solver: s, options: options, alignment: layoutFlags.alignment)
                result = laidOut.planned
                print(TwoLevelReport.full(result.plan, result.timing, graph: graph, memory: memory))
                for (name, l) in [("fast", laidOut.fast), ("slow", laidOut.slow)] {
                    print("\(name) layout: arena \(Units.bytes(l.arenaBytes)) (\(l.arenaBytes) B), fragmentation \(Units.fixed(l.fragmentation * 100, decimals: 2))%, \(l.strategy), alignment \(layoutFlags.alignment) B")
                }
                print("fit after layout: \(laidOut.how)")
                print("plans tried (fast memory → fast arena): " + laidOut.attemptsText)
            } else {
                result = try TwoLevelPlanner.plan(graph, costs: costs, memory: memory, solver: s, options: options)
                print(TwoLevelReport.full(result.plan, result.timing, graph: graph, memory: memory))
            }
            if let output {
                try PlanReport.write(result.plan.json().serialized(pretty: true) + "\n", to: output)
                print("plan written to \(output)")
            }
            return
        }
        let bytes = try context.budgetBytes(budget!)
        let result: PlannedSchedule
        if layoutFlags.layout {
            let laidOut = try CheckpointPlanner.planFittingLayout(graph, costs: costs, budget: bytes, solver: solver, options: options, alignment: layoutFlags.alignment)
            result = laidOut.schedule
            print(PlanReport.text(result, graph: graph, costs: costs, reference: context.reference.simulation))
            let l = laidOut.layout
            print("layout:            arena \(Units.bytes(l.arenaBytes)) (\(l.arenaBytes) B), fragmentation \(Units.fixed(l.fragmentation * 100, decimals: 2))%, \(l.strategy), alignment \(layoutFlags.alignment) B")
            print("fit after layout:  \(laidOut.how)")
            print("plans tried:       " + laidOut.attemptsText)
        } else {
            result = try CheckpointPlanner.plan(graph, costs: costs, budget: bytes, solver: solver, options: options)
            print(PlanReport.text(result, graph: graph, costs: costs, reference: context.reference.simulation))
        }
        if let output {
            try PlanReport.write(result.plan.json().serialized(pretty: true) + "\n", to: output)
            print("plan written to \(output)")
        }
    }
}

extension CheckpointSolver: ExpressibleByArgument {}

/// `--solver`: a checkpointing solver or a two-level one.
enum SolverChoice: ExpressibleByArgument {
    case checkpoint(CheckpointSolver)
    case twoLevel(TwoLevelSolver)

    init?(argument: String) {
        if let s = CheckpointSolver(rawValue: argument) { self = .checkpoint(s) }
        else if let s = TwoLevelSolver(rawValue: argument) { self = .twoLevel(s) }
        else { return nil }
    }

    static var allValueStrings: [String] { CheckpointSolver.allCases.map(\.rawValue) + TwoLevelSolver.allCases.map(\.rawValue) }
    var defaultValueDescription: String {
        switch self {
        case .checkpoint(let s): s.rawValue
        case .twoLevel(let s): s.rawValue
        }
    }
}

/// Prints solver progress to standard error, at most twice a second.
enum ProgressPrinter {
    nonisolated(unsafe) static var last = -1.0

    @Sendable static func report(_ p: SolverProgress) {
        guard p.seconds - last >= 0.5 else { return }
        last = p.seconds
        let gap = p.gap.map { Units.fixed($0 * 100, decimals: 2) + "%" } ?? "-"
        FileHandle.standardError.write(Data("  [ilp] \(Units.fixed(p.seconds, decimals: 1)) s  \(values(p.incumbent, p.bound))  gap \(gap)\n".utf8))
    }

    /// A phase of the solve as it starts: its name, the time, the incumbent and bound so far.
    @Sendable static func phase(_ p: PlanningPhase) {
        FileHandle.standardError.write(Data("  [\(Units.fixed(p.seconds, decimals: 1)) s] \(p.name)  \(values(p.incumbent, p.bound))\n".utf8))
    }

    private static func values(_ incumbent: Double?, _ bound: Double?) -> String {
        "incumbent \(incumbent.map { Units.count($0) } ?? "-")  bound \(bound.map { Units.count($0) } ?? "-")"
    }
}

/// Terminal text for plans and simulations.
enum PlanReport {
    static func text(_ s: PlannedSchedule, graph: ComputeGraph, costs: LayerCosts, reference: SimulationResult) -> String {
        let sim = s.simulation
        let unit = costs.unit == .flops ? "FLOP" : costs.unit == .seconds ? "s" : "time units"
        var lines: [(String, String)] = [
            ("graph", "\(graph.name) (\(graph.layers.count) layers)"),
            ("solver", s.plan.solver + (s.plan.summary.map { ", \($0.status)" } ?? "")),
        ]
        if let b = s.plan.budgetBytes { lines.append(("budget", "\(Units.bytes(b)) (\(b) B)")) }
        lines.append(("peak", "\(Units.bytes(sim.peakBytes)) (\(sim.peakBytes) B), \(Units.fixed(100 * Double(sim.peakBytes) / Double(max(1, reference.peakBytes)), decimals: 1))% of checkpoint-all"))
        lines.append(("compute", "\(cost(sim.computeCost, unit)), overhead \(Units.fixed(sim.computeCost / max(reference.computeCost, 1e-300), decimals: 3))x checkpoint-all"))
        lines.append(("recompute", cost(sim.recomputeCost, unit)))
        let again = graph.layers.indices.filter { sim.runs[$0] > 1 }
        let names = again.prefix(8).map { "\(graph.layers[$0].name)" + (sim.runs[$0] > 2 ? " (\(sim.runs[$0] - 1)x)" : "") }
        lines.append(("recomputed layers", again.isEmpty ? "none" : "\(again.count): " + names.joined(separator: ", ") + (again.count > 8 ? ", ..." : "")))
        if let summary = s.plan.summary {
            if let lb = summary.lowerBound { lines.append(("lower bound", cost(lb, unit) + (summary.gap.map { ", gap \(Units.fixed($0 * 100, decimals: 2))%" } ?? ""))) }
            lines.append(("solve time", Units.seconds(summary.solveSeconds)))
        }
        lines.append(("steps", "\(s.plan.steps.count)"))
        let width = lines.map(\.0.count).max() ?? 0
        return lines.map { $0.0 + ":" + String(repeating: " ", count: width - $0.0.count + 1) + $0.1 }.joined(separator: "\n")
    }

    static func cost(_ c: Double, _ unit: String) -> String {
        switch unit {
        case "s": Units.seconds(c)
        case "FLOP": Units.count(c, unit: "FLOP")
        default: "\(Units.significant(c)) \(unit)"
        }
    }

    /// Writes an output file (``OutputFile``: symlinks followed, devices written in place,
    /// directories refused, regular files atomically).
    static func write(_ text: String, to path: String) throws {
        try OutputFile.write(text, to: path)
    }

    /// Memory over the steps as one line of block characters.
    static func sparkline(_ values: [Int], width: Int = 72) -> String {
        guard let maxValue = values.max(), maxValue > 0, !values.isEmpty else { return "" }
        let blocks = Array("▁▂▃▄▅▆▇█")
        let buckets = min(width, values.count)
        var out = ""
        for b in 0..<buckets {
            let lo = b * values.count / buckets, hi = max(lo + 1, (b + 1) * values.count / buckets)
            let v = values[lo..<hi].max()!
            out.append(blocks[min(blocks.count - 1, v * blocks.count / (maxValue + 1))])
        }
        return out
    }
}

/// `--backend`: which MILP solver runs the programs.
enum MILPBackend: String, ExpressibleByArgument, CaseIterable {
    case glpk, cbc

    /// The backend, or an error saying how to install it when it is missing.
    func solver() throws -> any MILPSolver {
        switch self {
        case .glpk: return GLPKSolver()
        case .cbc:
            guard CBCSolver.isAvailable else { throw ValidationError(CBCSolver.installHint) }
            return CBCSolver()
        }
    }
}
