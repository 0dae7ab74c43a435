import Graph
import Testing
@testable import Planner

/// `plan --layout`'s search: plans whose laid-out arena fits, one level and two, checked by
/// replaying the plan again and by the overlap check written in ``ArenaLayoutTests``.
@Suite("Plans that fit after layout")
struct LayoutFittingTests {
    static let layoutOptions: LayoutOptions = {
        var o = LayoutOptions(timeLimit: 2)
        o.hillClimbIterations = 50
        return o
    }()

    /// A recorded layout passes `PlanLayout.check` and the pairwise overlap check of
    /// ``ArenaLayoutTests`` for the instances of `problem`.
    static func expectValid(_ recorded: PlanLayout?, _ problem: LayoutProblem, _ label: String) throws {
        let r = try #require(recorded, "\(label): no layout recorded")
        let offsets = try r.check(against: problem)
        let layout = ArenaLayout(strategy: "recorded", offsets: offsets, arenaBytes: r.arenaBytes,
                                 peakLiveBytes: problem.peakLiveBytes, lowerBound: problem.lowerBound, seconds: 0)
        ArenaLayoutTests.expectValid(layout, problem, label)
    }

    /// One level, at budgets where the plan made for the sum often does not fit after layout
    /// (its own peak, with 4-byte alignment, sizes being 1 to tens of bytes): the plan returned fits after layout, replays
    /// within the budget, and its recorded layout is valid for its instances. Re-planning is
    /// exercised on some seeds.
    @Test func oneLevelPlansFitTheirArena() throws {
        var replanned = 0, fitted = 0
        for seed in UInt64(1)...16 {
            let g = try RandomGraphs.trainingChain(length: 6 + Int(seed % 10), seed: seed)
            let costs = try LayerCosts.make(for: g)
            // The plan by sum halfway between the least and the most a plan needs (room to re-plan).
            guard let bySum = try LifetimeSplittingTests.budgets(g, count: 5).dropFirst(2).lazy.compactMap({ budget in
                try? CheckpointPlanner.plan(g, costs: costs, budget: budget, solver: .bestBaseline)
            }).first else { continue }
            let budget = bySum.simulation.peakBytes
            let laidOut: LaidOutSchedule
            do {
                laidOut = try CheckpointPlanner.planFittingLayout(g, costs: costs, budget: budget, solver: .bestBaseline,
                                                                  options: ILPOptions(timeLimit: 5), alignment: 4)
            } catch {
                #expect("\(error)".contains("after layout") || "\(error)".contains("budget"), "seed \(seed): \(error)")
                continue
            }
            fitted += 1
            if laidOut.attempts.count > 1 { replanned += 1 }
            #expect(laidOut.layout.arenaBytes <= budget)
            let replay = try PlanSimulator.replay(laidOut.schedule.plan, on: g, costs: costs, budget: budget)
            #expect(replay.peakBytes <= budget)
            let problem = try LayoutProblem.oneLevel(laidOut.schedule.plan, on: g, alignment: 4)
            try Self.expectValid(laidOut.schedule.plan.layout, problem, "seed \(seed)")
        }
        #expect(fitted >= 6, "plans fitted after layout: \(fitted)")
        #expect(replanned >= 1, "no case needed re-planning")
    }

    /// Two levels, with fast memory at the plan's own fast peak: the plan returned replays within
    /// the device from its JSON, and both recorded layouts are valid for the instances of that
    /// replay, the fast arena within fast memory. Re-planning is exercised on some seeds.
    @Test func twoLevelPlansAreReplannedUntilTheFastArenaFits() throws {
        var replanned = 0, fitted = 0
        for seed in UInt64(1)...30 {
            let g = try TwoLevelPlannerTests.graph(seed)
            let (costs, device) = TwoLevelPlannerTests.device(for: g, seed: seed)
            for solver in [TwoLevelSolver.greedyResidency, .offloadActivations] {
                guard let first = try? TwoLevelPlanner.plan(g, costs: costs, memory: device, solver: solver) else { continue }
                var memory = device
                memory.fastBytes = first.timing.peakFastBytes
                let laidOut: LaidOutTimedPlan
                do {
                    laidOut = try TwoLevelPlanner.planFittingLayout(g, costs: costs, memory: memory, solver: solver,
                                                                    options: ILPOptions(timeLimit: 5), alignment: 64)
                } catch {
                    #expect("\(error)".contains("after layout") || "\(error)".contains("fast memory"), "seed \(seed): \(error)")
                    continue
                }
                fitted += 1
                if laidOut.attempts.count > 1 { replanned += 1 }
                #expect(laidOut.fast.arenaBytes <= memory.fastBytes, "seed \(seed)")
                let again = try Plan(json: try JSONValue.parse(laidOut.planned.plan.json().serialized(pretty: true)))
                let timing = try TimingSimulator.replay(again, on: g, costs: costs, memory: memory)
                #expect(abs(timing.totalTime - laidOut.planned.timing.totalTime) <= 1e-9 * max(1, timing.totalTime), "seed \(seed)")
                let (fast, slow) = try LayoutProblem.twoLevel(timing, alignment: 64)
                for (problem, recorded, level) in [(fast, again.fastLayout, "fast"), (slow, again.slowLayout, "slow")] {
                    try Self.expectValid(recorded, problem, "seed \(seed), \(solver.rawValue), \(level)")
                }
            }
        }
        #expect(fitted >= 6, "plans fitted after layout: \(fitted)")
        #expect(replanned >= 1, "no case needed re-planning")
    }
}
