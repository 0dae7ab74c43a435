import Graph
import Planner

/// The two-level sweep as a markdown table, CSV rows and a chart of total time against fast memory.
enum TwoLevelBenchReport {
    static func percent(_ bytes: Int, of peak: Int) -> String {
        Units.fixed(100 * Double(bytes) / Double(max(peak, 1)), decimals: 1) + "%"
    }

    static func markdown(_ b: TwoLevelBenchmark, device: String) -> String {
        var out = "### \(b.graphName) (\(b.layerCount) layers) on \(device)\n\n"
        out += "Keep-everything peak \(Units.bytes(b.keepEverythingPeak)); every layer once \(Units.seconds(b.computeOnce)); "
        out += "the least any plan needs \(Units.bytes(b.minimumFastBytes)) (\(percent(b.minimumFastBytes, of: b.keepEverythingPeak))). "
        out += "Smallest fast memory found to train: "
        out += TwoLevelBenchmark.Mechanism.allCases.compactMap { m in
            b.smallestFound[m].map { "\(m.rawValue) \(Units.bytes($0)) (\(percent($0, of: b.keepEverythingPeak)))" }
        }.joined(separator: ", ")
        if let joint = b.sizes.first(where: { b.cell(.joint, $0)?.plan != nil }) {
            out += "; joint: a plan at every size from \(Units.bytes(joint)) (\(percent(joint, of: b.keepEverythingPeak))) in this sweep"
        }
        out += ".\n\n"
        out += "Replayed total time of the fastest plan of each mechanism (`-`: none fits). Lower bounds: *simple*, every layer once and the parameters "
        out += "that cannot all be resident loaded once (every plan); *relaxation*, from the checkpointing relaxation at budgets above fast memory "
        out += "(every plan whose layers run first in the graph's order). The joint planner's gap is to the larger; its program's own bound "
        out += "(for plans of its stage form) follows.\n\n"
        out += "| fast memory | simple bound | relaxation bound | " + TwoLevelBenchmark.Mechanism.allCases.map(\.rawValue).joined(separator: " | ") + " | joint: gap, program bound, solve |\n"
        out += "|---|---:|---:|" + String(repeating: "---:|", count: TwoLevelBenchmark.Mechanism.allCases.count) + "---|\n"
        for size in b.sizes {
            let simple = b.lowerBounds[size] ?? b.computeOnce
            let bound = max(simple, b.relaxationBounds[size] ?? simple)
            var row = "| \(Units.bytes(size)) (\(percent(size, of: b.keepEverythingPeak))) | \(Units.seconds(simple)) | \(Units.seconds(bound)) |"
            for m in TwoLevelBenchmark.Mechanism.allCases {
                guard let t = b.cell(m, size)?.plan?.timing.totalTime else { row += " - |"; continue }
                row += " \(Units.seconds(t)) |"
            }
            if let c = b.cell(.joint, size), let p = c.plan {
                let total = p.timing.totalTime
                let gap = (total - bound) / max(total, 1e-300)
                let program = p.plan.summary?.lowerBound.map { Units.seconds($0) } ?? "-"
                row += " \(Units.fixed(100 * gap, decimals: 2))%, \(program), \(Units.seconds(c.seconds)) (\(p.plan.solver.prefix(70))) |"
            } else {
                row += " - |"
            }
            out += row + "\n"
        }
        return out
    }

    static let csvHeader = "graph,device,mechanism,fast_bytes,feasible,total_seconds,compute_seconds,stall_seconds,lower_bound_seconds,relaxation_bound_seconds,program_bound_seconds,solve_seconds,solver\n"

    static func csv(_ b: TwoLevelBenchmark, device: String) -> String {
        func quoted(_ s: String) -> String { s.contains(",") || s.contains("\"") ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s }
        var out = ""
        for c in b.cells {
            let p = c.plan
            let fields: [String] = [
                quoted(b.graphName), quoted(device), c.mechanism.rawValue, "\(c.fastBytes)", "\(p != nil)",
                p.map { "\($0.timing.totalTime)" } ?? "", p.map { "\($0.timing.computeTime)" } ?? "", p.map { "\($0.timing.stallTime)" } ?? "",
                "\(b.lowerBounds[c.fastBytes] ?? b.computeOnce)", "\(b.relaxationBounds[c.fastBytes] ?? b.computeOnce)", p?.plan.summary?.lowerBound.map { "\($0)" } ?? "",
                "\(c.seconds)", quoted(p?.plan.solver ?? ""),
            ]
            out += fields.joined(separator: ",") + "\n"
        }
        return out
    }

    /// Total time against fast memory: one line per mechanism, the lower bound dashed.
    static func svg(_ b: TwoLevelBenchmark, device: String) -> String {
        let width = 760.0, height = 420.0, left = 80.0, right = 170.0, top = 40.0, bottom = 50.0
        let times = b.cells.compactMap { $0.plan?.timing.totalTime } + b.lowerBounds.values + b.relaxationBounds.values
        let maxT = max(times.max() ?? 1, 1e-12) * 1.05
        let minT = 0.0
        let minB = Double(b.sizes.first ?? 0), maxB = Double(max(b.sizes.last ?? 1, (b.sizes.first ?? 0) + 1))
        func x(_ v: Int) -> Double { left + (width - left - right) * (Double(v) - minB) / max(maxB - minB, 1) }
        func y(_ t: Double) -> Double { top + (height - top - bottom) * (1 - (t - minT) / (maxT - minT)) }
        func point(_ size: Int, _ t: Double) -> String { "\(Units.fixed(x(size), decimals: 1)),\(Units.fixed(y(t), decimals: 1))" }
        let colors: [TwoLevelBenchmark.Mechanism: String] = [.recompute: "#d62728", .offload: "#1f77b4", .streaming: "#2ca02c", .joint: "#000000"]
        var svg = """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" font-family="sans-serif" font-size="12">
        <rect width="100%" height="100%" fill="white"/>
        <text x="\(left)" y="22">\(MemoryChart.escape(b.graphName)) on \(MemoryChart.escape(device)): step time against fast memory</text>
        <line x1="\(left)" y1="\(height - bottom)" x2="\(width - right)" y2="\(height - bottom)" stroke="black"/>
        <line x1="\(left)" y1="\(top)" x2="\(left)" y2="\(height - bottom)" stroke="black"/>
        <text x="\(left - 6)" y="\(y(maxT) + 4)" text-anchor="end">\(Units.seconds(maxT))</text>
        <text x="\(left - 6)" y="\(y(minT) + 4)" text-anchor="end">0</text>
        <text x="\(left)" y="\(height - bottom + 18)">\(Units.bytes(Int(minB)))</text>
        <text x="\(width - right)" y="\(height - bottom + 18)" text-anchor="end">\(Units.bytes(Int(maxB)))</text>
        <text x="\((width - right + left) / 2)" y="\(height - 12)" text-anchor="middle">fast memory</text>

        """
        let bound = b.sizes.compactMap { s in b.lowerBounds[s].map { point(s, max($0, b.relaxationBounds[s] ?? $0)) } }
        if !bound.isEmpty {
            svg += "<polyline fill=\"none\" stroke=\"#7f7f7f\" stroke-width=\"1.5\" stroke-dasharray=\"5,4\" points=\"\(bound.joined(separator: " "))\"/>\n"
        }
        for (i, m) in TwoLevelBenchmark.Mechanism.allCases.enumerated() {
            let color = colors[m] ?? "#000000"
            let points = b.sizes.compactMap { s in b.cell(m, s)?.plan.map { point(s, $0.timing.totalTime) } }
            svg += BenchReport.series(points, color: color)
            svg += "<text x=\"\(width - right + 12)\" y=\"\(top + 18 * Double(i))\" fill=\"\(color)\">\(m.rawValue)</text>\n"
        }
        svg += "<text x=\"\(width - right + 12)\" y=\"\(top + 18 * Double(TwoLevelBenchmark.Mechanism.allCases.count))\" fill=\"#7f7f7f\">lower bound (dashed)</text>\n"
        return svg + "</svg>\n"
    }
}
