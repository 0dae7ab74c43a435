import ArgumentParser
import Foundation
import Graph
import Planner

struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Replay a plan under the plan rules: reject it at its first broken step, or measure it.",
        discussion: """
        Examples:
          plan-cli verify fixtures/models/vgg16.json --training vgg16-plan.json
          plan-cli verify fixtures/models/vgg16.json --training vgg16-plan.json --budget 2GiB --svg memory.svg
          plan-cli verify fixtures/models/vgg16.json --training --optimizer adam gpu-plan.json --hardware fixtures/hardware/datacenter-gpu.json --budget 4GiB --svg timeline.svg

        A two-level plan (with load, evict or offload steps, or resident parameters) is replayed in
        time on the device given by --hardware (fast memory: --budget, or its on-chip capacity);
        --svg then draws a Gantt chart of the compute and transfer lanes and fast-memory occupancy.
        """
    )

    @OptionGroup var graphOptions: GraphOptions

    @Argument(help: "The plan file (docs/plan-format.md).")
    var plan: String

    @Option(parsing: .unconditional, help: "Also check that memory never exceeds this budget (bytes with a unit, or a percentage of the checkpoint-all peak).")
    var budget: String?

    @Option(help: "Price layers in seconds on this hardware.")
    var hardware: String?

    @Option(help: "Write a chart of memory over the steps as SVG.")
    var svg: String?

    @Flag(help: "Also replay the plan's recorded layout (layout, or fast_layout and slow_layout): every instance has one aligned offset, none overlaps another live with it, and the arena fits the budget.")
    var layout = false

    func validate() throws { try PlanningContext.checkBudget(budget) }

    /// Checks a recorded layout; returns its line for the report.
    static func checkLayout(_ recorded: PlanLayout?, instances: () throws -> [TensorInstance], level: String, capacity: Int?) throws -> String {
        let what = level.isEmpty ? "layout" : "\(level)_layout"
        guard let recorded else { throw PlanError.invalidRequest("the plan has no \"\(what)\" member to check (lay it out with plan-cli layout ... -o FILE)") }
        guard (1...(1 << 20)).contains(recorded.alignment) else { throw PlanError.invalidRequest("\(what).alignment must be from 1 to 1048576") }
        let p = try LayoutProblem(instances: try instances(), alignment: recorded.alignment)
        let offsets = try recorded.check(against: p, level: level)
        let arena = zip(offsets, p.sizes).map { $0 + $1 }.max() ?? 0
        if let capacity, recorded.arenaBytes > capacity {
            throw PlanError.invalidRequest("\(what): the arena of \(recorded.arenaBytes) B exceeds the \(level.isEmpty ? "budget" : "\(level) memory") of \(capacity) B")
        }
        let frag = p.peakLiveBytes > 0 ? Double(recorded.arenaBytes) / Double(p.peakLiveBytes) - 1 : 0
        return "\(what): valid, \(offsets.count) offsets, arena \(Units.bytes(recorded.arenaBytes)) (\(recorded.arenaBytes) B; used \(arena) B), fragmentation \(Units.fixed(frag * 100, decimals: 2))%"
    }

    func run() throws {
        var stopwatch = Stopwatch(enabled: false)
        let graph = try graphOptions.load(stopwatch: &stopwatch)
        let plan = try Plan.load(contentsOf: self.plan)
        let context = try PlanningContext(graph: graph, hardwarePath: hardware)
        let costs = context.costs
        let bytes = try budget.map(context.budgetBytes)
        if !plan.graph.isEmpty && plan.graph != graph.name {
            FileHandle.standardError.write(Data("warning: the plan was made for graph '\(plan.graph)', not '\(graph.name)'\n".utf8))
        }
        if plan.isTwoLevel {
            guard let hardware = context.hardware else {
                throw ValidationError("\(self.plan) is a two-level plan (it loads, evicts or offloads, or names resident parameters): give the device with --hardware FILE")
            }
            let memory = DeviceMemory(hardware: hardware, budget: bytes)
            let timing = try TimingSimulator.replay(plan, on: graph, costs: costs, memory: memory)
            print("valid plan: \(plan.steps.count) steps")
            print(TwoLevelReport.full(plan, timing, graph: graph, memory: memory))
            if layout {
                print(try Self.checkLayout(plan.fastLayout, instances: { timing.fastInstances }, level: "fast", capacity: memory.fastBytes))
                print(try Self.checkLayout(plan.slowLayout, instances: { timing.slowInstances }, level: "slow", capacity: memory.slowBytes))
            }
            if let svg {
                try PlanReport.write(TimelineChart.svg(timing, capacity: memory.fastBytes, title: "\(graph.name): \(plan.solver)"), to: svg)
                print("chart written to \(svg)")
            }
            return
        }
        // The plan's own recorded budget is checked too (the tighter of it and --budget).
        let checked = [bytes, plan.budgetBytes].compactMap { $0 }.min()
        let sim = try PlanSimulator.replay(plan, on: graph, costs: costs, budget: checked)
        print("valid plan: \(plan.steps.count) steps")
        print(PlanReport.text(PlannedSchedule(plan: plan, simulation: sim), graph: graph, costs: costs, reference: context.reference.simulation))
        print("memory:     " + PlanReport.sparkline(sim.bytesAfterStep) + "  (max \(Units.bytes(sim.peakBytes)))")
        if layout {
            print(try Self.checkLayout(plan.layout, instances: { try LayoutProblem.oneLevelInstances(plan, on: graph) }, level: "", capacity: checked))
        }
        if let svg {
            try PlanReport.write(MemoryChart.svg(steps: sim.bytesAfterStep, budget: bytes, title: "\(graph.name): \(plan.solver)"), to: svg)
            print("chart written to \(svg)")
        }
    }
}
