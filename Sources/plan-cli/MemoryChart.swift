import Graph

/// A line chart of resident memory over the plan's steps, as SVG.
enum MemoryChart {
    static func svg(steps: [Int], budget: Int?, title: String) -> String {
        let width = 800.0, height = 300.0, left = 70.0, right = 20.0, top = 30.0, bottom = 40.0
        let maxValue = Double(max(steps.max() ?? 1, budget ?? 0, 1))
        let n = max(steps.count - 1, 1)
        func x(_ i: Int) -> Double { left + (width - left - right) * Double(i) / Double(n) }
        func y(_ v: Double) -> Double { top + (height - top - bottom) * (1 - v / maxValue) }
        var points = ""
        for (i, v) in steps.enumerated() { points += "\(Units.fixed(x(i), decimals: 1)),\(Units.fixed(y(Double(v)), decimals: 1)) " }
        var svg = """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" font-family="sans-serif" font-size="12">
        <rect width="100%" height="100%" fill="white"/>
        <text x="\(left)" y="18">\(escape(title))</text>
        <line x1="\(left)" y1="\(height - bottom)" x2="\(width - right)" y2="\(height - bottom)" stroke="black"/>
        <line x1="\(left)" y1="\(top)" x2="\(left)" y2="\(height - bottom)" stroke="black"/>
        <text x="\(left - 6)" y="\(top + 4)" text-anchor="end">\(Units.bytes(Int(maxValue)))</text>
        <text x="\(left - 6)" y="\(height - bottom + 4)" text-anchor="end">0</text>
        <text x="\((width + left) / 2)" y="\(height - 10)" text-anchor="middle">step (\(steps.count) steps)</text>
        <polyline fill="none" stroke="#1f77b4" stroke-width="1.5" points="\(points)"/>

        """
        if let budget {
            let by = Units.fixed(y(Double(budget)), decimals: 1)
            svg += "<line x1=\"\(left)\" y1=\"\(by)\" x2=\"\(width - right)\" y2=\"\(by)\" stroke=\"#d62728\" stroke-dasharray=\"6,4\"/>\n"
            svg += "<text x=\"\(width - right)\" y=\"\(by)\" dy=\"-4\" text-anchor=\"end\" fill=\"#d62728\">budget \(Units.bytes(budget))</text>\n"
        }
        return svg + "</svg>\n"
    }

    static func escape(_ s: String) -> String {
        var out = ""
        for c in s {
            switch c {
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "&": out += "&amp;"
            case "\"": out += "&quot;"
            default: out.append(c)
            }
        }
        return out
    }
}
