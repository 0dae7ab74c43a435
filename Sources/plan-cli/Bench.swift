import ArgumentParser
import Foundation
import Graph
import Planner

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Sweep budgets from the smallest feasible to the checkpoint-all peak: every solver, every plan verified.",
        discussion: """
        Prints a table of overhead (cost / checkpoint-all cost), peak and solve time per solver and
        budget, and each baseline's cost over the ILP's (geometric mean, as Checkmate's Table 2).

        Examples:
          plan-cli bench checkmate_vgg16.json --budgets 8 --markdown bench.md --csv bench.csv --svg bench.svg
          plan-cli bench fixtures/models/vgg16.json fixtures/models/resnet50.json --training --batch 8
          plan-cli bench fixtures/models/exported/resnet50-train.json --hardware fixtures/hardware/datacenter-gpu.json \\
              --fast-memory 30%,50%,70%,90% --time-limit 60 --svg resnet50.svg

        With --fast-memory (and --hardware), the two-level sweep instead: at each fast-memory size,
        the fastest replayed plan of recomputation alone, offloading alone, streaming alone and the
        joint planner, beside a lower bound on every plan's time, and the smallest fast memory each
        mechanism was found to fit; the chart plots total time against fast memory.
        """
    )

    @Argument(help: "Graph files.")
    var graphs: [String]

    @Flag(help: "Derive training graphs from forward-only graphs.")
    var training = false

    @Option(parsing: .unconditional, help: "Rescale the batch dimension to N.")
    var batch: Int?

    @Option(parsing: .unconditional, help: "Number of budgets in the sweep.")
    var budgets: Int = 6

    @Option(parsing: .unconditional, help: "Seconds per ilp solve.")
    var timeLimit: Double = 60

    @Option(help: "MILP backend: glpk (default) or cbc (optional: apt-get install coinor-libcbc-dev).")
    var backend: MILPBackend = .glpk

    @Option(help: "Solves to run at once (each GLPK solve is single-threaded); per-solve times include the contention when above 1.")
    var jobs: Int = 1

    @Option(help: "Comma-separated solvers (default: all).")
    var solvers: String?

    @Option(help: "Price layers in seconds on this hardware.")
    var hardware: String?

    @Option(parsing: .unconditional, help: "Instead of the budget sweep: the two-level sweep at these comma-separated fast-memory sizes, bytes with a unit or percentages of the keep-everything peak (a size below the smallest any single mechanism fits is raised to it); needs --hardware.")
    var fastMemory: String?

    @Option(parsing: .unconditional, help: "Instead of the budget sweep: the largest batch each solver can plan within this memory (bytes with a unit); graphs need a \"batch\" field and are taken as forward graphs.")
    var maxBatchMemory: String?

    @Option(help: "With --max-batch-memory: the optimizer whose state is planned too; otherwise the optimizer's update layers and state are appended (implies --training).")
    var optimizer: Optimizer?

    @Option(help: "Also write the tables as markdown to this file.")
    var markdown: String?

    @Option(help: "Also write one CSV row per solver and budget to this file.")
    var csv: String?

    @Option(help: "Also write a chart of overhead against budget, one line per solver, as SVG (with several graphs: one file per graph, suffixed).")
    var svg: String?

    @OptionGroup var memory: MemoryLimitOptions

    func validate() throws {
        guard (1...1000).contains(budgets) else { throw ValidationError("--budgets must be a count from 1 to 1000, got \(budgets)") }
        guard timeLimit > 0, timeLimit.isFinite else { throw ValidationError("--time-limit must be a positive number of seconds, got \(timeLimit)") }
        guard (1...256).contains(jobs) else { throw ValidationError("--jobs must be from 1 to 256, got \(jobs)") }
        if let batch, batch <= 0 { throw ValidationError("--batch must be a positive integer, got \(batch)") }
        if let fastMemory {
            guard hardware != nil else { throw ValidationError("--fast-memory needs --hardware: the two-level sweep times plans on a device") }
            guard maxBatchMemory == nil else { throw ValidationError("--fast-memory and --max-batch-memory are different sweeps; give one") }
            for item in fastMemory.split(separator: ",", omittingEmptySubsequences: false) where MemoryBudget(String(item)) == nil {
                throw ValidationError("--fast-memory '\(item)' is neither a byte count (6GiB, 512MiB) nor a percentage of the keep-everything peak (40%)")
            }
        }
    }

    func run() throws {
        let limit = try memory.install()
        defer { MemoryLimitOptions.note(limit) }
        let chosen: [CheckpointSolver]
        if let solvers {
            chosen = try solvers.split(separator: ",").map { name in
                guard let s = CheckpointSolver(rawValue: String(name)) else {
                    throw ValidationError("unknown solver '\(name)' (known: \(CheckpointSolver.allCases.map(\.rawValue).joined(separator: ", ")))")
                }
                return s
            }
        } else {
            chosen = [.ilp] + CheckpointSolver.baselines
        }
        let hw = try loadHardware(hardware)
        if let maxBatchMemory {
            guard let memory = Units.parseBytes(maxBatchMemory), memory > 0 else {
                throw ValidationError("--max-batch-memory '\(maxBatchMemory)' is not a byte count (16GiB, 512MiB)")
            }
            var text = "| graph | memory | solver | largest batch | peak | overhead |\n|---|---:|---|---:|---:|---:|\n"
            for path in graphs {
                let graph = try ComputeGraph.load(contentsOf: path)
                for s in chosen {
                    let found = try CheckpointPlanner.largestBatch(
                        graph, memory: memory, solver: s, optimizer: optimizer, options: ILPOptions(timeLimit: timeLimit, solver: try backend.solver()),
                        costsFor: { g throws(PlanError) in try LayerCosts.make(for: g, hardware: hw) })
                    if let (batch, plan) = found {
                        let reference = plan.simulation.computeCost - plan.simulation.recomputeCost
                        text += "| \(graph.name) | \(Units.bytes(memory)) | \(s.rawValue) | \(batch) | \(Units.bytes(plan.simulation.peakBytes)) | \(Units.fixed(plan.simulation.computeCost / max(reference, 1e-300), decimals: 3)) |\n"
                    } else {
                        text += "| \(graph.name) | \(Units.bytes(memory)) | \(s.rawValue) | none fits | - | - |\n"
                    }
                }
            }
            print(text)
            if let markdown { try PlanReport.write(text, to: markdown) }
            return
        }
        if let fastMemory, let hw {
            try runTwoLevel(hardware: hw, sizes: fastMemory.split(separator: ",").map { MemoryBudget(String($0))! })
            return
        }
        var markdownText = ""
        var csvText = "graph,solver,budget_bytes,feasible,peak_bytes,cost,overhead,recompute,status,gap,solve_seconds\n"
        for (index, path) in graphs.enumerated() {
            var graph = try ComputeGraph.load(contentsOf: path)
            if let batch { graph = try graph.rescaled(batch: batch) }
            if let optimizer { graph = try graph.training(optimizer: optimizer) } else if training { graph = try graph.training() }
            let costs = try LayerCosts.make(for: graph, hardware: hw)
            let bench = try CheckpointBenchmark(graph: graph, costs: costs, count: budgets, solvers: chosen,
                                                options: ILPOptions(timeLimit: timeLimit, solver: try backend.solver()), jobs: jobs)
            let text = BenchReport.markdown(bench)
            print(text)
            markdownText += text + "\n"
            csvText += BenchReport.csv(bench)
            if let svg {
                let file = graphs.count == 1 ? svg : svg.replacingOccurrences(of: ".svg", with: "-\(index).svg")
                try PlanReport.write(BenchReport.svg(bench), to: file)
            }
        }
        if let markdown { try PlanReport.write(markdownText, to: markdown) }
        if let csv { try PlanReport.write(csvText, to: csv) }
    }
}

extension Bench {
    /// The two-level sweep of every graph: tables, CSV rows and one chart per graph.
    func runTwoLevel(hardware: Hardware, sizes: [MemoryBudget]) throws {
        var markdownText = ""
        var csvText = TwoLevelBenchReport.csvHeader
        for (index, path) in graphs.enumerated() {
            var graph = try ComputeGraph.load(contentsOf: path)
            if let batch { graph = try graph.rescaled(batch: batch) }
            if let optimizer { graph = try graph.training(optimizer: optimizer) } else if training { graph = try graph.training() }
            let costs = try LayerCosts.make(for: graph, hardware: hardware)
            let peak = try Baselines.checkpointAll(graph, costs: costs).simulation.peakBytes
            let bench = try TwoLevelBenchmark(graph: graph, costs: costs, memory: DeviceMemory(hardware: hardware),
                                              sizes: sizes.map { $0.resolve(checkpointAllPeak: peak) },
                                              options: ILPOptions(timeLimit: timeLimit, solver: try backend.solver()), raisingToSmallest: true)
            let text = TwoLevelBenchReport.markdown(bench, device: hardware.name)
            print(text)
            markdownText += text + "\n"
            csvText += TwoLevelBenchReport.csv(bench, device: hardware.name)
            if let svg {
                let file = graphs.count == 1 ? svg : svg.replacingOccurrences(of: ".svg", with: "-\(index).svg")
                try PlanReport.write(TwoLevelBenchReport.svg(bench, device: hardware.name), to: file)
            }
        }
        if let markdown { try PlanReport.write(markdownText, to: markdown) }
        if let csv { try PlanReport.write(csvText, to: csv) }
    }
}

enum BenchReport {
    static func markdown(_ b: CheckpointBenchmark) -> String {
        var out = "### \(b.graphName) (\(b.layerCount) layers)\n\n"
        out += "checkpoint-all peak \(Units.bytes(b.checkpointAllPeak)); smallest feasible budget found \(Units.bytes(b.minimumBudget)) (\(Units.fixed(100 * Double(b.minimumBudget) / Double(b.checkpointAllPeak), decimals: 1))%).\n\n"
        out += "Overhead (cost / checkpoint-all cost), `-` where the solver has no plan within the budget; ilp: solve time and gap.\n\n"
        out += "| budget | " + b.solvers.map(\.rawValue).joined(separator: " | ") + " |\n"
        out += "|---:|" + String(repeating: "---:|", count: b.solvers.count) + "\n"
        for budget in b.budgets {
            var row = "| \(Units.bytes(budget)) (\(Units.fixed(100 * Double(budget) / Double(b.checkpointAllPeak), decimals: 0))%) |"
            for s in b.solvers {
                guard let c = b.cell(s, budget), let p = c.plan, let o = c.overhead else { row += " - |"; continue }
                var cell = " \(Units.fixed(o, decimals: 3))"
                if s == .ilp {
                    let gap = p.plan.summary?.gap.map { Units.fixed($0 * 100, decimals: 2) + "%" } ?? "?"
                    cell += " (\(Units.seconds(c.seconds)), gap \(gap))"
                }
                row += cell + " |"
            }
            out += row + "\n"
        }
        if b.solvers.contains(.ilp) {
            out += "\nCost relative to the ILP (geometric mean over budgets where both have a plan):\n\n| solver | ratio | budgets |\n|---|---:|---:|\n"
            for s in b.solvers where s != .ilp {
                if let r = b.costRatioToILP(s) { out += "| \(s.rawValue) | \(Units.fixed(r.ratio, decimals: 3)) | \(r.budgets) |\n" } else { out += "| \(s.rawValue) | - | 0 |\n" }
            }
        }
        return out
    }

    static func csv(_ b: CheckpointBenchmark) -> String {
        var out = ""
        for c in b.cells {
            let p = c.plan
            let fields: [String] = [
                b.graphName.contains(",") ? "\"\(b.graphName)\"" : b.graphName, c.solver.rawValue, "\(c.budgetBytes)", "\(p != nil)",
                p.map { "\($0.simulation.peakBytes)" } ?? "", p.map { "\($0.simulation.computeCost)" } ?? "",
                c.overhead.map { "\($0)" } ?? "", p.map { "\($0.simulation.recomputeCost)" } ?? "",
                p?.plan.summary?.status ?? "infeasible", p?.plan.summary?.gap.map { "\($0)" } ?? "", "\(c.seconds)",
            ]
            out += fields.joined(separator: ",") + "\n"
        }
        return out
    }

    /// One line of a chart: a polyline through `points` ("x,y") with a dot at each.
    static func series(_ points: [String], color: String) -> String {
        guard !points.isEmpty else { return "" }
        var svg = "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\" points=\"\(points.joined(separator: " "))\"/>\n"
        for p in points {
            let xy = p.split(separator: ",")
            svg += "<circle cx=\"\(xy[0])\" cy=\"\(xy[1])\" r=\"3\" fill=\"\(color)\"/>\n"
        }
        return svg
    }

    static func svg(_ b: CheckpointBenchmark) -> String {
        let width = 760.0, height = 420.0, left = 70.0, right = 160.0, top = 40.0, bottom = 50.0
        let overheads = b.cells.compactMap(\.overhead)
        let maxO = max(1.05, overheads.max() ?? 1.1), minO = 1.0
        let minB = Double(b.budgets.first ?? 0), maxB = Double(max(b.budgets.last ?? 1, (b.budgets.first ?? 0) + 1))
        func x(_ v: Int) -> Double { left + (width - left - right) * (Double(v) - minB) / max(maxB - minB, 1) }
        func y(_ o: Double) -> Double { top + (height - top - bottom) * (1 - (o - minO) / (maxO - minO)) }
        let colors = ["#d62728", "#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"]
        var svg = """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" font-family="sans-serif" font-size="12">
        <rect width="100%" height="100%" fill="white"/>
        <text x="\(left)" y="22">\(MemoryChart.escape(b.graphName)): overhead against budget</text>
        <line x1="\(left)" y1="\(height - bottom)" x2="\(width - right)" y2="\(height - bottom)" stroke="black"/>
        <line x1="\(left)" y1="\(top)" x2="\(left)" y2="\(height - bottom)" stroke="black"/>
        <text x="\(left - 6)" y="\(y(maxO) + 4)" text-anchor="end">\(Units.fixed(maxO, decimals: 2))x</text>
        <text x="\(left - 6)" y="\(y(minO) + 4)" text-anchor="end">1.00x</text>
        <text x="\(left)" y="\(height - bottom + 18)">\(Units.bytes(Int(minB)))</text>
        <text x="\(width - right)" y="\(height - bottom + 18)" text-anchor="end">\(Units.bytes(Int(maxB)))</text>
        <text x="\((width - right + left) / 2)" y="\(height - 12)" text-anchor="middle">memory budget</text>

        """
        for (i, s) in b.solvers.enumerated() {
            let color = colors[i % colors.count]
            var points: [String] = []
            for budget in b.budgets {
                if let o = b.cell(s, budget)?.overhead { points.append("\(Units.fixed(x(budget), decimals: 1)),\(Units.fixed(y(o), decimals: 1))") }
            }
            svg += BenchReport.series(points, color: color)
            svg += "<text x=\"\(width - right + 12)\" y=\"\(top + 18 * Double(i))\" fill=\"\(color)\">\(s.rawValue)</text>\n"
        }
        return svg + "</svg>\n"
    }
}
