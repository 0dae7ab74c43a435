import Graph
import Planner

/// Terminal text for two-level plans: the figures and a timeline of the two lanes.
enum TwoLevelReport {
    static func text(_ plan: Plan, _ r: TimingResult, graph: ComputeGraph, memory: DeviceMemory) -> String {
        var lines: [(String, String)] = [
            ("graph", "\(graph.name) (\(graph.layers.count) layers)"),
            ("solver", plan.solver + (plan.summary.map { ", \($0.status)" } ?? "")),
            ("fast memory", "\(Units.bytes(memory.fastBytes)) (\(memory.fastBytes) B); peak \(Units.bytes(r.peakFastBytes)) (\(r.peakFastBytes) B)"),
            ("slow memory", "\(Units.bytes(memory.slowBytes)); peak \(Units.bytes(r.peakSlowBytes)); \(Units.rate(memory.bandwidth)) between the levels"),
            ("resident", "\(plan.resident?.count ?? 0) parameters, \(Units.bytes(r.residentBytes))"),
            ("moved", "\(Units.bytes(r.bytesLoaded)) loaded, \(Units.bytes(r.bytesOffloaded)) offloaded"),
            ("total time", Units.seconds(r.totalTime)),
            ("compute", Units.seconds(r.computeTime) + (r.recomputeTime > 1e-15 ? " (recompute \(Units.seconds(r.recomputeTime)))" : "")),
            ("stall", "\(Units.seconds(r.stallTime)) (\(Units.fixed(100 * r.stallTime / max(r.totalTime, 1e-300), decimals: 1))% of the total)"),
            ("steps", "\(plan.steps.count)"),
        ]
        if let s = plan.summary, let bound = s.lowerBound {
            lines.append(("lower bound", "\(Units.seconds(bound)) for plans of the program's stage form (gap \(Units.fixed(100 * (s.gap ?? 0), decimals: 2))%)"))
        }
        if let s = plan.summary { lines.append(("solve time", Units.seconds(s.solveSeconds))) }
        let width = lines.map(\.0.count).max() ?? 0
        return lines.map { $0.0 + ":" + String(repeating: " ", count: width - $0.0.count + 1) + $0.1 }.joined(separator: "\n")
    }

    /// The figures followed by the timeline: what `plan` and `verify` print.
    static func full(_ plan: Plan, _ r: TimingResult, graph: ComputeGraph, memory: DeviceMemory) -> String {
        text(plan, r, graph: graph, memory: memory) + "\n" + timeline(r)
    }

    /// The compute and transfer lanes and fast-memory occupancy over time, one character per
    /// slice of time: `█` busy all the slice, `▌` part of it, space idle.
    static func timeline(_ r: TimingResult, columns: Int = 72) -> String {
        let total = max(r.totalTime, r.intervals.map(\.end).max() ?? 0)
        guard total > 0 else { return "" }
        let slice = total / Double(columns)
        func lane(_ which: TimingResult.Interval.Lane) -> String {
            var busy = [Double](repeating: 0, count: columns)
            for i in r.intervals where i.lane == which {
                let first = min(columns - 1, Int(i.start / slice)), last = min(columns - 1, Int(i.end / slice))
                for c in first...last {
                    let lo = Double(c) * slice, hi = lo + slice
                    busy[c] += max(0, min(hi, i.end) - max(lo, i.start))
                }
            }
            return String(busy.map { $0 >= 0.999 * slice ? "█" : $0 > 0 ? "▌" : " " })
        }
        var memory = [Int](repeating: 0, count: columns)
        var current = r.fastOccupancy.first?.bytes ?? 0
        var e = 0
        for c in 0..<columns {
            let hi = Double(c + 1) * slice
            var m = current
            while e < r.fastOccupancy.count, r.fastOccupancy[e].time < hi {
                current = r.fastOccupancy[e].bytes
                m = max(m, current)
                e += 1
            }
            memory[c] = m
        }
        return """
        compute:  |\(lane(.compute))|
        transfer: |\(lane(.transfer))|
        fast mem: |\(PlanReport.sparkline(memory, width: columns))|  (max \(Units.bytes(r.peakFastBytes)))
                   0\(String(repeating: " ", count: max(1, columns - 1 - Units.seconds(total).count)))\(Units.seconds(total))
        """
    }
}
