import ArgumentParser
import Foundation
import Graph
import Planner

extension LayoutStrategy: ExpressibleByArgument {}

/// `--layout` and `--alignment`, shared by plan and verify.
struct LayoutFlags: ParsableArguments {
    @Flag(help: "Lay the plan out in an arena: the budget then bounds the arena (offsets, holes and padding), not the sum of live bytes (docs/plan-format.md, \"Layout\").")
    var layout = false

    @Option(parsing: .unconditional, help: "With --layout: offsets are multiples of this many bytes, sizes rounded up to it.")
    var alignment: Int = 64

    func validate() throws {
        guard (1...(1 << 20)).contains(alignment) else { throw ValidationError("--alignment must be from 1 to 1048576 bytes, got \(alignment)") }
    }
}

struct LayoutCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "layout",
        abstract: "Give every tensor instance of a plan an offset in one arena (one per memory level for two-level plans), and measure the fragmentation.",
        discussion: """
        Prints the arena, the peak of the live bytes and fragmentation (arena / peak - 1) for every
        strategy: greedy-by-size (TensorFlow Lite Micro), greedy-by-conflict and hill-climb (TVM's
        unified static memory planner), milp (MODeL, small plans) and best.

        Examples:
          plan-cli layout fixtures/models/vgg16.json --training vgg16-plan.json --svg layout.svg -o vgg16-laid-out.json
          plan-cli layout model.json gpu-plan.json --hardware fixtures/hardware/datacenter-gpu.json --alignment 256
        """
    )

    @OptionGroup var graphOptions: GraphOptions

    @Argument(help: "The plan file (docs/plan-format.md).")
    var plan: String

    @Option(parsing: .unconditional, help: "Offsets are multiples of this many bytes, sizes rounded up to it.")
    var alignment: Int = 64

    @Option(help: "The layout recorded: \(LayoutStrategy.allCases.map(\.rawValue).joined(separator: ", ")).")
    var strategy: LayoutStrategy = .best

    @Option(parsing: .unconditional, help: "Seconds for each strategy.")
    var timeLimit: Double = 10

    @Option(help: "For a two-level plan: the device (fast memory: --budget or its on-chip capacity).")
    var hardware: String?

    @Option(parsing: .unconditional, help: "For a two-level plan: the fast memory.")
    var budget: String?

    @Option(help: "Draw offset against time, one rectangle per instance, as SVG (two-level plans: fast memory).")
    var svg: String?

    @Option(name: .shortAndLong, help: "Write the plan with its layout to this file.")
    var output: String?

    func validate() throws {
        guard (1...(1 << 20)).contains(alignment) else { throw ValidationError("--alignment must be from 1 to 1048576 bytes, got \(alignment)") }
        guard timeLimit > 0, timeLimit.isFinite else { throw ValidationError("--time-limit must be a positive number of seconds, got \(timeLimit)") }
        try PlanningContext.checkBudget(budget)
    }

    func run() throws {
        var stopwatch = Stopwatch(enabled: false)
        let graph = try graphOptions.load(stopwatch: &stopwatch)
        var plan = try Plan.load(contentsOf: self.plan)
        let context = try PlanningContext(graph: graph, hardwarePath: hardware)
        let options = LayoutOptions(timeLimit: timeLimit)
        var levels: [(name: String, problem: LayoutProblem, axis: String)] = []
        if plan.isTwoLevel {
            guard let hw = context.hardware else {
                throw ValidationError("\(self.plan) is a two-level plan: give the device with --hardware FILE")
            }
            let memory = DeviceMemory(hardware: hw, budget: try budget.map(context.budgetBytes))
            let timing = try TimingSimulator.replay(plan, on: graph, costs: context.costs, memory: memory)
            let (fast, slow) = try LayoutProblem.twoLevel(timing, alignment: alignment)
            levels = [("fast", fast, "allocation and release events in time"), ("slow", slow, "allocation and release events in time")]
        } else {
            _ = try PlanSimulator.replay(plan, on: graph, costs: context.costs)
            levels = [("", try LayoutProblem.oneLevel(plan, on: graph, alignment: alignment), "step (\(plan.steps.count) steps)")]
        }
        for (k, level) in levels.enumerated() {
            let p = level.problem
            print((level.name.isEmpty ? "" : "\(level.name) memory: ") + "\(p.instances.count) tensor instances, \(p.conflictPairs) pairs live together, alignment \(alignment) B")
            print("peak of live bytes: \(Units.bytes(p.peakLiveBytes)) (\(p.peakLiveBytes) B); aligned: \(p.lowerBound) B")
            print("| strategy | arena | arena (B) | fragmentation | proven optimal | seconds |")
            print("|---|---|---|---|---|---|")
            var chosen: ArenaLayout?
            for s in LayoutStrategy.allCases {
                let layout: ArenaLayout
                do { layout = try ArenaPlanner.layout(p, strategy: s, options: options) } catch {
                    print("| \(s.rawValue) | - | - | - | - | \(error) |")
                    continue
                }
                if s == strategy { chosen = layout }
                print("| \(layout.strategy) | \(Units.bytes(layout.arenaBytes)) | \(layout.arenaBytes) | \(Units.fixed(layout.fragmentation * 100, decimals: 2))% | \(layout.isOptimal ? "yes" : "no") | \(Units.fixed(layout.seconds, decimals: 3)) |")
            }
            guard let chosen else { throw ValidationError("the \(strategy.rawValue) strategy could not lay this plan out") }
            let recorded = PlanLayout(chosen, of: p)
            switch level.name {
            case "fast": plan.fastLayout = recorded
            case "slow": plan.slowLayout = recorded
            default: plan.layout = recorded
            }
            if let svg, k == 0 {
                try PlanReport.write(LayoutChart.svg(p, offsets: chosen.offsets, arenaBytes: chosen.arenaBytes, budget: plan.budgetBytes,
                                                     title: "\(graph.name): \(plan.solver), \(chosen.strategy), arena \(Units.bytes(chosen.arenaBytes))",
                                                     axis: level.axis), to: svg)
                print("chart written to \(svg)")
            }
            if k + 1 < levels.count { print("") }
        }
        if let output {
            try PlanReport.write(plan.json().serialized(pretty: true) + "\n", to: output)
            print("plan written to \(output)")
        }
    }
}
