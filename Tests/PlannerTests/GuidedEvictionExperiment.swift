import Foundation
import Graph
import Testing
@testable import Planner

/// The eviction policy guided by the relaxation's solution against the one tuned from all ones
/// (docs/benchmarks.md, issue 4), on one graph and budget. Minutes, so it runs only on request:
///
///     PLAN_EXPERIMENTS=1 RELAXATION_CUTS=4 RELAXATION_LIMIT=60 \
///         swift test -c release -Xswiftc -enable-testing --filter guidedEviction
///
/// Defaults as ``RelaxationBoundExperiment`` (ResNet-50 training at 40%, GLPK); the relaxation
/// is solved alone with one cut count, then both policies are tuned with 20,000 runs (`EVALS`).
@Suite("Guided eviction (experiment)")
struct GuidedEvictionExperiment {
    @Test(.enabled(if: ProcessInfo.processInfo.environment["PLAN_EXPERIMENTS"] != nil))
    func guidedEviction() throws {
        let env = ProcessInfo.processInfo.environment
        let (g, costs, budget) = try RelaxationBoundExperiment.experimentCase()
        let count = Int(env["RELAXATION_CUTS"] ?? "4") ?? 4
        let limit = Double(env["RELAXATION_LIMIT"] ?? "60") ?? 60
        let evaluations = Int(env["EVALS"] ?? "20000") ?? 20000
        let bound = CheckpointRelaxation.lowerBound(g, costs: costs, budget: budget, cutCounts: [count], incumbent: nil, incumbentCost: nil,
                                                    solver: GLPKSolver(), timeLimit: limit)
        let reruns = try #require(bound.reruns)
        print("relaxation, \(bound.cuts) cuts: bound \(bound.cost ?? -1), its solution \(reruns.cost), \(reruns.layers.filter { $0 }.count) layers rerun")
        var start = ContinuousClock.now
        let guided = try #require(CheckpointPlanner.guidedEviction(g, costs: costs, budget: budget, reruns: reruns.layers,
                                                                   evaluations: evaluations, timeLimit: nil))
        print("guided: \(guided.simulation.computeCost) (\(guided.plan.solver)), \((ContinuousClock.now - start).seconds) s")
        start = ContinuousClock.now
        let plain = try #require(CheckpointPlanner.evictionSearch(g, costs: costs, budget: budget, evaluations: evaluations))
        print("from all ones: \(plain.simulation.computeCost) (\(plain.plan.solver)), \((ContinuousClock.now - start).seconds) s")
        fflush(nil)
        #expect(guided.simulation.peakBytes <= budget && plain.simulation.peakBytes <= budget)
    }
}
