import Foundation
import Graph
import Testing
@testable import Planner

/// How high the relaxation's bound goes on a large graph given time (docs/benchmarks.md, issue 4):
/// the relaxation with each cut count solved alone. Minutes per cut count, so it runs only on
/// request:
///
///     PLAN_EXPERIMENTS=1 RELAXATION_CUTS=4,8,16,32 RELAXATION_LIMIT=400 RELAXATION_BACKEND=cbc \
///         swift test --filter relaxationBoundGivenTime
///
/// Defaults: ResNet-50 training (fixtures/models/resnet50.json) at 40% of its checkpoint-all
/// peak (`RELAXATION_GRAPH`, `RELAXATION_FRACTION`; the graph's training step is derived unless
/// it already is one), GLPK. Prints, per cut count, the proven bound and the relaxation's own best
/// solution (an upper limit on what that cut count can ever prove), in the graph's cost unit.
@Suite("Relaxation bound, given time (experiment)")
struct RelaxationBoundExperiment {
    static let resnet50 = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("fixtures/models/resnet50.json").path

    /// The experiments' graph, its costs and budget, from `RELAXATION_GRAPH` and
    /// `RELAXATION_FRACTION`.
    static func experimentCase() throws -> (ComputeGraph, LayerCosts, Int) {
        let env = ProcessInfo.processInfo.environment
        var g = try ComputeGraph.load(contentsOf: env["RELAXATION_GRAPH"] ?? Self.resnet50)
        if !g.isTraining { g = try g.training() }
        let costs = try LayerCosts.make(for: g)
        let peak = try Baselines.checkpointAll(g, costs: costs).simulation.peakBytes
        return (g, costs, Int(Double(peak) * (Double(env["RELAXATION_FRACTION"] ?? "0.4") ?? 0.4)))
    }

    @Test(.enabled(if: ProcessInfo.processInfo.environment["PLAN_EXPERIMENTS"] != nil))
    func relaxationBoundGivenTime() throws {
        let env = ProcessInfo.processInfo.environment
        let (g, costs, budget) = try RelaxationBoundExperiment.experimentCase()
        let counts = (env["RELAXATION_CUTS"] ?? "4,8").split(separator: ",").compactMap { Int($0) }
        let limit = Double(env["RELAXATION_LIMIT"] ?? "90") ?? 90
        let solver: any MILPSolver = env["RELAXATION_BACKEND"] == "cbc" ? CBCSolver() : GLPKSolver()
        print("every layer once: \(costs.onceEach)")
        for count in counts {
            let start = ContinuousClock.now
            let relaxation = CheckpointRelaxation(graph: g, costs: costs, budget: budget, cuts: CheckpointRelaxation.cuts(graph: g, count: count))
            let s = try solver.solve(relaxation.model, options: SolverOptions(timeLimit: limit, relativeGap: 1e-6))
            let bound = s.bound.map { relaxation.cost(fromObjective: $0) }
            let best = s.objective.map { relaxation.cost(fromObjective: $0) }
            print("cuts \(count): \(relaxation.model.variables.count) variables, \(s.status), bound \(bound.map { "\($0)" } ?? "-"), relaxation's best \(best.map { "\($0)" } ?? "-"), \((ContinuousClock.now - start).seconds) s")
            #expect(bound.map { $0 <= (best ?? .infinity) * (1 + 1e-6) } ?? true)
        }
    }
}

/// The relaxation at the stages where memory presses (``CheckpointRelaxation/pressureCuts(graph:count:)``),
/// with and without its frontier rows, as a linear program and with branching:
///
///     PLAN_EXPERIMENTS=1 RELAXATION_GRAPH=/tmp/gpt2-24-train.json RELAXATION_FRACTION=0.5 \
///         RELAXATION_CUTS=4,8 swift test -c release -Xswiftc -enable-testing --filter pressureCutBound
@Suite("Relaxation bound at pressure cuts (experiment)")
struct PressureCutExperiment {
    @Test(.enabled(if: ProcessInfo.processInfo.environment["PLAN_EXPERIMENTS"] != nil))
    func pressureCutBound() throws {
        let env = ProcessInfo.processInfo.environment
        let (g, costs, budget) = try RelaxationBoundExperiment.experimentCase()
        let counts = (env["RELAXATION_CUTS"] ?? "4,8").split(separator: ",").compactMap { Int($0) }
        let limit = Double(env["RELAXATION_LIMIT"] ?? "60") ?? 60
        print("every layer once: \(costs.onceEach)")
        for count in counts {
            for frontier in env["RELAXATION_FRONTIER"] == nil ? [0, 300_000] : [Int(env["RELAXATION_FRONTIER"]!) ?? 0] {
                for integral in env["RELAXATION_INTEGRAL"] == nil ? [false, true] : [env["RELAXATION_INTEGRAL"] == "1"] {
                    let start = ContinuousClock.now
                    let cuts = CheckpointRelaxation.pressureCuts(graph: g, count: count)
                    let relaxation = CheckpointRelaxation(graph: g, costs: costs, budget: budget, cuts: cuts, frontierNonzeros: frontier)
                    let model = integral ? relaxation.model : relaxation.model.withoutIntegrality()
                    let s = try GLPKSolver().solve(model, options: SolverOptions(timeLimit: limit, relativeGap: 1e-6))
                    let bound = (s.status == .optimal ? (s.bound ?? s.objective) : s.bound).map { relaxation.cost(fromObjective: $0) }
                    print("cuts \(cuts) frontier \(frontier) integral \(integral): \(relaxation.model.variables.count) variables, \(s.status), bound/once \(bound.map { "\($0 / costs.onceEach)" } ?? "-"), \((ContinuousClock.now - start).seconds) s")
                }
            }
        }
    }
}
