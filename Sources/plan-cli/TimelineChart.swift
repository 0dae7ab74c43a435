import Graph
import Planner

/// A Gantt chart of a two-level replay, as SVG: the compute lane, the transfer lane, and
/// fast-memory occupancy over time with the capacity.
enum TimelineChart {
    static func svg(_ r: TimingResult, capacity: Int, title: String) -> String {
        let width = 900.0, left = 90.0, right = 20.0, top = 30.0
        let laneHeight = 22.0, gap = 10.0, memoryHeight = 160.0
        let total = max(r.totalTime, r.intervals.map(\.end).max() ?? 0, 1e-30)
        func x(_ t: Double) -> Double { left + (width - left - right) * t / total }
        func f(_ v: Double) -> String { Units.fixed(v, decimals: 1) }
        let computeY = top, transferY = top + laneHeight + gap, memoryTop = transferY + laneHeight + 2 * gap
        let memoryBottom = memoryTop + memoryHeight, height = memoryBottom + 40
        var svg = """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" font-family="sans-serif" font-size="12">
        <rect width="100%" height="100%" fill="white"/>
        <text x="\(left)" y="18">\(MemoryChart.escape(title)): total \(Units.seconds(r.totalTime)), stall \(Units.seconds(r.stallTime))</text>
        <text x="\(left - 6)" y="\(f(computeY + 15))" text-anchor="end">compute</text>
        <text x="\(left - 6)" y="\(f(transferY + 15))" text-anchor="end">transfer</text>

        """
        for i in r.intervals {
            let y = i.lane == .compute ? computeY : transferY
            let color = i.lane == .compute ? "#1f77b4" : (i.label.hasPrefix("load") ? "#2ca02c" : "#ff7f0e")
            svg += "<rect x=\"\(f(x(i.start)))\" y=\"\(f(y))\" width=\"\(f(max(0.5, x(i.end) - x(i.start))))\" height=\"\(laneHeight)\" fill=\"\(color)\"><title>\(MemoryChart.escape(i.label)): \(Units.seconds(i.start)) – \(Units.seconds(i.end))</title></rect>\n"
        }
        let maxBytes = Double(max(capacity, r.peakFastBytes, 1))
        func y(_ b: Int) -> Double { memoryBottom - memoryHeight * Double(b) / maxBytes }
        var points = ""
        var previous: Int?
        for (t, b) in r.fastOccupancy {
            if let p = previous { points += "\(f(x(t))),\(f(y(p))) " }
            points += "\(f(x(t))),\(f(y(b))) "
            previous = b
        }
        if let p = previous { points += "\(f(x(total))),\(f(y(p)))" }
        svg += """
        <text x="\(left - 6)" y="\(f(memoryTop + 4))" text-anchor="end">\(Units.bytes(Int(maxBytes)))</text>
        <text x="\(left - 6)" y="\(f(memoryBottom + 4))" text-anchor="end">0</text>
        <line x1="\(left)" y1="\(f(memoryBottom))" x2="\(width - right)" y2="\(f(memoryBottom))" stroke="black"/>
        <line x1="\(left)" y1="\(f(memoryTop))" x2="\(left)" y2="\(f(memoryBottom))" stroke="black"/>
        <polyline fill="none" stroke="#1f77b4" stroke-width="1.5" points="\(points)"/>
        <line x1="\(left)" y1="\(f(y(capacity)))" x2="\(width - right)" y2="\(f(y(capacity)))" stroke="#d62728" stroke-dasharray="6,4"/>
        <text x="\(width - right)" y="\(f(y(capacity) - 4))" text-anchor="end" fill="#d62728">fast memory \(Units.bytes(capacity))</text>
        <text x="\((width + left) / 2)" y="\(f(height - 10))" text-anchor="middle">time (0 – \(Units.seconds(total))); fast-memory occupancy below the lanes</text>
        </svg>

        """
        return svg
    }
}
