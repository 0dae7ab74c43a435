import Graph
import Planner

/// Offsets against time, one rectangle per tensor instance, as SVG: the holes between the
/// rectangles are the fragmentation.
enum LayoutChart {
    static func svg(_ problem: LayoutProblem, offsets: [Int], arenaBytes: Int, budget: Int?, title: String, axis: String) -> String {
        let width = 900.0, height = 420.0, left = 80.0, right = 20.0, top = 30.0, bottom = 40.0
        let starts = problem.instances.map(\.start)
        let lastTick = max(1, (problem.instances.map { $0.end == TensorInstance.forever ? $0.start + 1 : $0.end } + starts).max() ?? 1)
        let firstTick = min(0, starts.min() ?? 0)
        let maxValue = Double(max(arenaBytes, budget ?? 0, 1))
        func x(_ t: Int) -> Double { left + (width - left - right) * Double(t - firstTick) / Double(max(1, lastTick - firstTick)) }
        func y(_ v: Double) -> Double { top + (height - top - bottom) * (1 - v / maxValue) }
        func f(_ v: Double) -> String { Units.fixed(v, decimals: 1) }
        var svg = """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" font-family="sans-serif" font-size="12">
        <rect width="100%" height="100%" fill="white"/>
        <text x="\(left)" y="18">\(MemoryChart.escape(title))</text>
        <line x1="\(left)" y1="\(height - bottom)" x2="\(width - right)" y2="\(height - bottom)" stroke="black"/>
        <line x1="\(left)" y1="\(top)" x2="\(left)" y2="\(height - bottom)" stroke="black"/>
        <text x="\(left - 6)" y="\(f(y(Double(arenaBytes))) )" dy="4" text-anchor="end">\(Units.bytes(arenaBytes))</text>
        <text x="\(left - 6)" y="\(height - bottom + 4)" text-anchor="end">0</text>
        <text x="\((width + left) / 2)" y="\(height - 10)" text-anchor="middle">\(MemoryChart.escape(axis))</text>

        """
        let palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22"]
        for (k, i) in problem.instances.enumerated() where problem.sizes[k] > 0 {
            let end = i.end == TensorInstance.forever ? lastTick : i.end
            let x0 = x(i.start), x1 = x(max(end, i.start + 1))
            let y1 = y(Double(offsets[k])), y0 = y(Double(offsets[k] + problem.sizes[k]))
            svg += "<rect x=\"\(f(x0))\" y=\"\(f(y0))\" width=\"\(f(max(0.5, x1 - x0)))\" height=\"\(f(max(0.5, y1 - y0)))\" fill=\"\(palette[i.tensor % palette.count])\" fill-opacity=\"0.75\" stroke=\"white\" stroke-width=\"0.3\"><title>\(MemoryChart.escape(i.name)) (step \(i.step)): \(i.bytes) B at \(offsets[k])</title></rect>\n"
        }
        if let budget {
            let by = f(y(Double(budget)))
            svg += "<line x1=\"\(left)\" y1=\"\(by)\" x2=\"\(width - right)\" y2=\"\(by)\" stroke=\"#d62728\" stroke-dasharray=\"6,4\"/>\n"
            svg += "<text x=\"\(width - right)\" y=\"\(by)\" dy=\"-4\" text-anchor=\"end\" fill=\"#d62728\">budget \(Units.bytes(budget))</text>\n"
        }
        return svg + "</svg>\n"
    }
}
