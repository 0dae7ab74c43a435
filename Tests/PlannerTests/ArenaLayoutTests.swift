import Graph
import Testing
@testable import Planner

/// Layouts from every strategy against an overlap check written here, brute force on tiny
/// problems, and the peak of the live bytes.
@Suite("Arena layout")
struct ArenaLayoutTests {
    static let options: LayoutOptions = {
        var o = LayoutOptions(timeLimit: 5)
        o.hillClimbIterations = 100
        return o
    }()

    /// Random instances: lifetimes in 0..<ticks, sizes 0...max.
    static func randomProblem(seed: UInt64, count: Int, ticks: Int = 12, maxBytes: Int = 300, alignment: Int = 1) throws -> LayoutProblem {
        var rng = SplitMix64(seed: seed)
        let instances = (0..<count).map { k -> TensorInstance in
            let a = Int(rng.next() % UInt64(ticks)), b = Int(rng.next() % UInt64(ticks))
            let start = min(a, b) - (rng.next() % 5 == 0 ? 1 : 0)
            let end = rng.next() % 6 == 0 ? TensorInstance.forever : max(a, b) + 1
            return TensorInstance(tensor: k, name: "t\(k)", bytes: Int(rng.next() % UInt64(maxBytes + 1)), step: start, start: start, end: end)
        }
        return try LayoutProblem(instances: instances, alignment: alignment)
    }

    /// The check written for the tests: all pairs, from the instances' own lifetimes.
    static func expectValid(_ layout: ArenaLayout, _ p: LayoutProblem, _ label: String) {
        #expect(layout.offsets.count == p.instances.count, "\(label)")
        var top = 0
        for i in p.instances.indices {
            let si = (p.instances[i].bytes + p.alignment - 1) / p.alignment * p.alignment
            #expect(layout.offsets[i] >= 0 && layout.offsets[i] % p.alignment == 0, "\(label): offset \(layout.offsets[i])")
            top = max(top, layout.offsets[i] + si)
            for j in p.instances.indices where j > i {
                let a = p.instances[i], b = p.instances[j]
                let sj = (b.bytes + p.alignment - 1) / p.alignment * p.alignment
                let together = a.start < b.end && b.start < a.end
                let overlap = layout.offsets[i] < layout.offsets[j] + sj && layout.offsets[j] < layout.offsets[i] + si
                #expect(!(together && overlap && si > 0 && sj > 0), "\(label): instances \(i) and \(j) overlap")
            }
        }
        #expect(layout.arenaBytes == top, "\(label)")
        // Any arena holds the live bytes at their peak.
        var peak = 0
        for i in p.instances where i.end > i.start {
            let live = p.instances.filter { $0.start <= i.start && i.start < $0.end }.reduce(0) { $0 + $1.bytes }
            peak = max(peak, live)
        }
        #expect(layout.peakLiveBytes == peak, "\(label)")
        #expect(layout.arenaBytes >= peak && layout.arenaBytes >= p.lowerBound && layout.lowerBound <= layout.arenaBytes, "\(label)")
    }

    /// The smallest arena over every placement order with first fit, written independently of
    /// the planner: some order reaches the optimum (first fit in the order of any layout's
    /// offsets never places an instance higher than that layout does).
    static func bruteForce(_ p: LayoutProblem) -> Int {
        let n = p.instances.count
        let size = p.instances.map { ($0.bytes + p.alignment - 1) / p.alignment * p.alignment }
        var best = Int.max
        var order = Array(0..<n)
        func firstFit() -> Int {
            var offset = [Int](repeating: -1, count: n)
            var top = 0
            for i in order {
                var candidate = 0
                var moved = true
                while moved {
                    moved = false
                    for j in 0..<n where offset[j] >= 0 && size[i] > 0 && size[j] > 0 && p.instances[i].overlapsInTime(p.instances[j])
                        && candidate < offset[j] + size[j] && offset[j] < candidate + size[i] {
                        candidate = offset[j] + size[j]
                        moved = true
                    }
                }
                offset[i] = size[i] > 0 ? candidate : 0
                top = max(top, offset[i] + size[i])
            }
            return top
        }
        func permute(_ k: Int) {
            if k == n { best = min(best, firstFit()); return }
            for i in k..<n {
                order.swapAt(k, i)
                permute(k + 1)
                order.swapAt(k, i)
            }
        }
        permute(0)
        return n == 0 ? 0 : best
    }

    @Test(arguments: Array(UInt64(1)...300))
    func everyStrategyLaysOutRandomInstancesWithoutOverlap(seed: UInt64) throws {
        let p = try Self.randomProblem(seed: seed, count: 2 + Int(seed % 30), alignment: [1, 8, 64][Int(seed % 3)])
        for s in LayoutStrategy.allCases where s != .milp || p.conflictPairs <= 60 {
            let layout = try ArenaPlanner.layout(p, strategy: s, options: Self.options)
            Self.expectValid(layout, p, "seed \(seed), \(s.rawValue)")
            // The recorded form checks the same.
            #expect(throws: Never.self) { try PlanLayout(layout, of: p).check(against: p) }
        }
    }

    @Test(arguments: Array(UInt64(1)...60))
    func theProgramIsExactOnTinyProblems(seed: UInt64) throws {
        let p = try Self.randomProblem(seed: seed * 7919, count: 2 + Int(seed % 5), ticks: 6, maxBytes: 9)
        let optimum = Self.bruteForce(p)
        let milp = try ArenaPlanner.layout(p, strategy: .milp, options: Self.options)
        #expect(milp.arenaBytes == optimum, "seed \(seed)")
        #expect(milp.isOptimal && milp.lowerBound <= optimum)
        let best = try ArenaPlanner.layout(p, strategy: .best, options: Self.options)
        #expect(best.arenaBytes == optimum)
        for s in [LayoutStrategy.greedyBySize, .greedyByConflict, .hillClimb] {
            #expect(try ArenaPlanner.layout(p, strategy: s, options: Self.options).arenaBytes >= optimum)
        }
    }

    /// Stack-like lifetimes (a chain computed forward and freed in reverse order): the arena is
    /// the peak, with no hole.
    @Test(arguments: Array(UInt64(1)...20))
    func aStackLikeChainNeedsOnlyItsPeak(seed: UInt64) throws {
        var rng = SplitMix64(seed: seed)
        let n = 3 + Int(seed % 12)
        let sizes = (0..<n).map { _ in 1 + Int(rng.next() % 1000) }
        var tensors = [Tensor(name: "x", bytes: 1 + Int(rng.next() % 100), kind: .input)]
        var layers: [Layer] = []
        for i in 0..<n {
            tensors.append(Tensor(name: "a\(i)", bytes: sizes[i]))
            layers.append(Layer(name: "f\(i)", op: "f", inputs: [i == 0 ? "x" : "a\(i - 1)"], outputs: ["a\(i)"], time: 1))
        }
        let g = try ComputeGraph(name: "chain", tensors: tensors, layers: layers, outputs: ["a\(n - 1)"])
        let steps = (0..<n).map { PlanStep.compute("f\($0)") } + (0..<(n - 1)).reversed().map { PlanStep.free("a\($0)") }
        let plan = Plan(graph: g.name, solver: "test", budgetBytes: nil, steps: steps)
        let sim = try PlanSimulator.replay(plan, on: g, costs: LayerCosts(perLayer: Array(repeating: 1, count: n), unit: .time))
        let p = try LayoutProblem.oneLevel(plan, on: g, alignment: 1)
        #expect(p.peakLiveBytes == sim.peakBytes)
        let best = try ArenaPlanner.layout(p, strategy: .best, options: Self.options)
        Self.expectValid(best, p, "chain \(seed)")
        #expect(best.arenaBytes == sim.peakBytes && best.fragmentation == 0)
    }

    /// Plans from the baselines on random training graphs: every strategy's layout is valid and
    /// the peak of the live bytes is the simulator's peak.
    @Test(arguments: Array(UInt64(1)...60))
    func laysOutRandomPlans(seed: UInt64) throws {
        let g = try RandomGraphs.forward(layers: 4 + Int(seed % 12), seed: seed).training(optimizer: seed % 2 == 0 ? nil : .adam)
        let costs = try LayerCosts.make(for: g)
        let all = try Baselines.checkpointAll(g, costs: costs)
        var plans = [all, try Baselines.chenSqrtN(g, costs: costs)]
        if let p = try? CheckpointPlanner.plan(g, costs: costs, budget: all.simulation.peakBytes * 3 / 4, solver: .bestBaseline) { plans.append(p) }
        for planned in plans {
            let p = try LayoutProblem.oneLevel(planned.plan, on: g, alignment: 64)
            #expect(p.peakLiveBytes == planned.simulation.peakBytes)
            for s in LayoutStrategy.allCases where s != .milp || p.conflictPairs <= 150 {
                Self.expectValid(try ArenaPlanner.layout(p, strategy: s, options: Self.options), p, "seed \(seed), \(planned.plan.solver), \(s.rawValue)")
            }
        }
    }

    /// Two-level plans: the fast and slow instances come from the replay in time; their layouts
    /// are valid and hold at least each level's peak occupancy.
    @Test(arguments: Array(UInt64(1)...30))
    func laysOutBothLevelsOfTwoLevelPlans(seed: UInt64) throws {
        let g = try TwoLevelPlannerTests.graph(seed)
        let (costs, memory) = TwoLevelPlannerTests.device(for: g, seed: seed)
        for solver in [TwoLevelSolver.streamDouble, .offloadActivations, .greedyResidency] {
            guard let r = try? TwoLevelPlanner.plan(g, costs: costs, memory: memory, solver: solver) else { continue }
            let (fast, slow) = try LayoutProblem.twoLevel(r.timing, alignment: 8)
            #expect(fast.peakLiveBytes >= r.timing.peakFastBytes && slow.peakLiveBytes >= r.timing.peakSlowBytes)
            for (p, level) in [(fast, "fast"), (slow, "slow")] {
                let layout = try ArenaPlanner.layout(p, strategy: .best, options: Self.options)
                Self.expectValid(layout, p, "seed \(seed), \(solver.rawValue), \(level)")
            }
        }
    }

    @Test func theRecordedLayoutRoundTripsAndItsChecksName() throws {
        let p = try Self.randomProblem(seed: 5, count: 12, alignment: 64)
        let layout = try ArenaPlanner.layout(p, strategy: .greedyBySize, options: Self.options)
        var plan = Plan(graph: "g", solver: "s", budgetBytes: nil, steps: [])
        plan.layout = PlanLayout(layout, of: p)
        let again = try Plan(json: try JSONValue.parse(plan.json().serialized(pretty: true)))
        #expect(again.layout == plan.layout)
        #expect(try again.layout!.check(against: p) == layout.offsets)
        // An overlap, a missing offset, a misaligned one.
        let k = p.instances.indices.first { p.conflictCount(of: $0) > 0 }!
        let j = Int(p.conflicts(of: k).first!)
        var bad = plan.layout!
        bad.offsets[k].offset = bad.offsets[j].offset
        #expect { try bad.check(against: p) } throws: { "\($0)".contains("overlaps") }
        bad = plan.layout!
        bad.offsets.removeLast()
        #expect { try bad.check(against: p) } throws: { "\($0)".contains("no offset") }
        bad = plan.layout!
        bad.offsets[0].offset += 1
        #expect { try bad.check(against: p) } throws: { "\($0)".contains("alignment") || "\($0)".contains("past the arena") }
    }
}
