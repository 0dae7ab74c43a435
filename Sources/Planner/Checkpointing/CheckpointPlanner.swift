import Graph

/// The checkpointing solvers by name, and the one entry point that runs them.
public enum CheckpointSolver: String, Sendable, CaseIterable {
    /// The optimal plan from the MILP (``CheckpointMILP``), solved by GLPK from the best baseline.
    case ilp = "ilp"
    case checkpointAll = "checkpoint-all"
    case chenSqrtN = "chen-sqrtn"
    case chenGreedy = "chen-greedy"
    case dtr = "dtr"
    /// Greedy rematerialization over lifetimes in stage form (``LifetimeSplitting``).
    case lifetimeSplit = "lifetime-split"
    /// Saved activations dropped and recomputed just in time, chosen at the peak
    /// (``SelectiveRecomputation``); training graphs.
    case selective = "selective"
    /// Griewank and Walther's binomial checkpointing; chains only.
    case revolve = "revolve"
    /// The chain dynamic program with real sizes and costs (``ChainDynamicProgram``); chains only.
    case chainDP = "chain-dp"
    /// The cheapest plan within the budget among all the baselines above.
    case bestBaseline = "best-baseline"

    /// The individual baselines.
    public static let baselines: [CheckpointSolver] = [.checkpointAll, .chenSqrtN, .chenGreedy, .selective, .dtr, .lifetimeSplit, .revolve, .chainDP]
}

/// Chooses which activations to keep and which to recompute within a memory budget.
public enum CheckpointPlanner {
    /// Plans with one solver. The result has been replayed by ``PlanSimulator`` and fits the budget.
    ///
    /// On a graph without backward layers (an inference graph, a general DAG), when
    /// `options.reordersLayers` is set and a memory-aware topological order
    /// (``ComputeGraph/memoryAwareOrder(restarts:seed:deadline:)``, at most 5% of the time
    /// limit) has a lower keep-everything peak than the order given, the solver plans in that
    /// order; the plan names its layers, so it is replayed on the graph as given. Its bound and
    /// gap are then for plans whose first runs follow that order. Training graphs keep their
    /// order (forward, then backward).
    ///
    /// - Throws: ``PlanError/infeasibleBudget(budgetBytes:minimumBytes:solver:)`` when the
    ///   solver's plan does not fit, with the smallest peak it can reach.
    public static func plan(
        _ graph: ComputeGraph, costs: LayerCosts, budget: Int, solver: CheckpointSolver, options original: ILPOptions = ILPOptions()
    ) throws(PlanError) -> PlannedSchedule {
        let start = ContinuousClock.now
        var options = original
        let deadline = options.deadline ?? Deadline(secondsFromNow: options.timeLimit)
        if options.reordersLayers, graph.layers.count > 2, graph.layers.allSatisfy({ $0.phase == .forward }) {
            options.reordersLayers = false  // decided here, for every solver this call runs
            let orderDeadline = Deadline(secondsFromNow: max(0.01, (deadline.secondsLeft ?? 60) * 0.05))
            let found = graph.memoryAwareOrder(restarts: options.orderRestarts, deadline: orderDeadline)
            let given = found.givenPeak
            if found.peak < given {
                var each = options
                each.deadline = deadline
                options.reportPhase("layer order: memory-aware, keep-everything peak \(found.peak) B (given order: \(given) B)", since: start)
                let reordered = try graph.reordered(found.order)
                let perLayer = reordered.layers.map { costs.perLayer[graph.layerID(named: $0.name)!] }
                var result = try plan(reordered, costs: LayerCosts(perLayer: perLayer, unit: costs.unit), budget: budget, solver: solver, options: each)
                // The plan names its layers: replayed on the graph as given.
                result.simulation = try PlanSimulator.replay(result.plan, on: graph, costs: costs, budget: budget)
                result.plan.solver += ", layers in a memory-aware order (keep-everything peak \(found.peak) B, given order \(given) B)"
                return result
            }
        }
        var result: PlannedSchedule
        switch solver {
        case .ilp: return try optimal(graph, costs: costs, budget: budget, options: options)
        case .checkpointAll: result = try Baselines.checkpointAll(graph, costs: costs)
        case .chenSqrtN: result = try Baselines.chenSqrtN(graph, costs: costs)
        case .chenGreedy: result = try Baselines.chenGreedy(graph, costs: costs, budget: budget, deadline: deadline)
        case .dtr: result = try Baselines.dtr(graph, costs: costs, budget: budget, deadline: deadline)
        case .lifetimeSplit: result = try Baselines.lifetimeSplitting(graph, costs: costs, budget: budget, deadline: deadline)
        case .selective: result = try Baselines.selective(graph, costs: costs, budget: budget, deadline: deadline)
        case .revolve: result = try Baselines.revolve(graph, costs: costs, budget: budget)
        case .chainDP: result = try Baselines.chainDP(graph, costs: costs, budget: budget)
        case .bestBaseline:
            var best: PlannedSchedule?
            var smallest = Int.max
            var cut = false
            var each = options
            each.deadline = deadline
            for s in CheckpointSolver.baselines {
                options.reportPhase("baseline \(s.rawValue)", since: start, incumbent: best?.simulation.computeCost)
                do {
                    let r = try plan(graph, costs: costs, budget: budget, solver: s, options: each)
                    if best == nil || r.simulation.computeCost < best!.simulation.computeCost { best = r }
                } catch {
                    switch error {
                    case .infeasibleBudget(_, let minimum, _): smallest = min(smallest, minimum)
                    case .invalidRequest where s == .revolve || s == .chainDP: continue  // not a chain
                    case .deadlinePassed, .scheduleTooLong: cut = true
                    default: throw error
                    }
                }
            }
            guard var chosen = best else {
                if cut && smallest == Int.max {
                    throw .noPlanInTime(budgetBytes: budget, minimumBytes: nil, seconds: (ContinuousClock.now - start).seconds, solver: solver.rawValue)
                }
                throw .infeasibleBudget(budgetBytes: budget, minimumBytes: smallest, solver: solver.rawValue)
            }
            chosen.plan.solver = "best-baseline (\(chosen.plan.solver))"
            return chosen
        }
        if result.simulation.peakBytes > budget {
            throw .infeasibleBudget(budgetBytes: budget, minimumBytes: result.simulation.peakBytes, solver: solver.rawValue)
        }
        result.plan.budgetBytes = budget
        result.summarize(status: "heuristic", lowerBound: nil, since: start)
        return result
    }
}

extension CheckpointPlanner {
    /// Solves the MILP from the best incumbent (the baselines and
    /// ``evictionSearch(_:costs:budget:evaluations:timeLimit:)``, whose best eviction policy is
    /// tuned to the graph with `options.evictionShare` of the time),
    /// returns the optimal (or, on a time limit, the best found) plan with its proven lower bound;
    /// the plan is replayed by the simulator. ``CheckpointRelaxation`` runs first, with
    /// `options.relaxationShare` of the time: when its bound meets the incumbent, that plan is
    /// returned as optimal without building the full program; its bound is also what graphs too
    /// large for the full program get. Otherwise the incumbent, its frees moved earliest so that
    /// it is a solution of the full program, is improved by a large neighbourhood search
    /// (``CheckpointMILP/improve(_:neighbourhoods:solver:timeLimit:neighbourhoodTimeLimit:)``)
    /// with `options.searchShare` of the time left, and the full program is solved from it.
    ///
    /// A solver accepts a solution within its feasibility tolerance (GLPK: 1e-7 of the budget on
    /// the memory rows), which may replay a few bytes over the budget: such a plan is replaced by
    /// the best baseline's, or, without one, the program is solved again with the budget lowered
    /// by the overshoot (`modelBudget`; the first solve's bound, `priorBound`, stays the bound).
    static func optimal(_ graph: ComputeGraph, costs: LayerCosts, budget: Int, options: ILPOptions,
                        modelBudget: Int? = nil, priorBound: Double? = nil) throws(PlanError) -> PlannedSchedule {
        let start = ContinuousClock.now
        let size = CheckpointMILP.estimatedSize(graph: graph)
        /// No plan found in time: the error names the smallest budget known to be feasible.
        func nothingInTime(_ solver: String) -> PlanError {
            .noPlanInTime(budgetBytes: budget, minimumBytes: minimumFeasibleBudget(graph, costs: costs, options: options, start: start),
                          seconds: (ContinuousClock.now - start).seconds, solver: solver)
        }
        // The best baseline within the budget (the baselines get a share of the time limit, each
        // stopping at that deadline), or a cheaper plan from a variant of DTR's eviction policy:
        // incumbent, fallback, and what the bounds are for.
        var baseline: PlannedSchedule?
        var firstOptions = options
        // When the program is too large to build, the baselines are where the plan comes from:
        // they get `declinedBaselineShare` of the time instead.
        let share = size > options.maximumVariables ? max(options.baselineShare, options.declinedBaselineShare) : options.baselineShare
        firstOptions.deadline = Deadline(secondsFromNow: options.timeLimit.map { $0 * share })
        options.reportPhase("baselines", since: start)
        do {
            baseline = try plan(graph, costs: costs, budget: budget, solver: .bestBaseline, options: firstOptions)
        } catch {
            switch error {
            case .infeasibleBudget, .noPlanInTime: break
            default: throw error
            }
        }
        options.reportPhase("eviction search", since: start, incumbent: baseline?.simulation.computeCost)
        if let searched = evictionSearch(graph, costs: costs, budget: budget, evaluations: options.evictionEvaluations,
                                         timeLimit: options.timeLimit.map { $0 * options.evictionShare }),
           baseline.map({ searched.simulation.computeCost < $0.simulation.computeCost }) ?? true {
            baseline = searched
        }
        /// The best plan so far, once the process's memory limit is reached (the phases after
        /// this would only stop at once).
        func stoppedAtMemoryLimit(bound: Double) throws(PlanError) -> PlannedSchedule? {
            guard let limit = MemoryLimit.installed, limit.isReached else { return nil }
            guard var fallback = baseline else { throw nothingInTime("ilp (stopped at the memory limit of \(Units.bytes(limit.bytes)))") }
            fallback.plan.solver = "ilp stopped at the memory limit of \(Units.bytes(limit.bytes)); \(fallback.plan.solver)"
            fallback.summarize(status: "feasible", lowerBound: bound, since: start)
            return fallback
        }
        if let stopped = try stoppedAtMemoryLimit(bound: costs.onceEach) { return stopped }
        // With its frees as early as possible, so that it maps to a solution of the programs.
        func earliestFreeSteps(_ p: PlannedSchedule?) -> [ResolvedStep]? {
            p.flatMap { try? PlanSimulator.resolvedSteps(of: $0.plan, on: graph).withEarliestFrees(on: graph) }
        }
        // A bound from the relaxation with memory checked at a few cut stages, with a share of
        // the time (all that is left when the full program is too large to build); it proves the
        // baseline optimal when they meet.
        var relaxedBound = costs.onceEach
        if priorBound == nil, !options.relaxationCuts.isEmpty {
            let declined = size > options.maximumVariables
            // Declined: all the time left, less what the guided eviction below may take.
            let guidedTime = options.evictionEvaluations > 0 ? options.evictionShare : 0
            let relaxationTime = options.timeLimit.map { limit in
                declined ? max(0.1, limit * (1 - guidedTime) - (ContinuousClock.now - start).seconds) : limit * options.relaxationShare
            }
            options.reportPhase("relaxation (bound)", since: start, incumbent: baseline?.simulation.computeCost, bound: relaxedBound)
            let relaxed = CheckpointRelaxation.lowerBound(
                graph, costs: costs, budget: budget, cutCounts: options.relaxationCuts, incumbent: earliestFreeSteps(baseline),
                incumbentCost: baseline?.simulation.computeCost, solver: options.solver,
                timeLimit: relaxationTime ?? 60,
                progress: { phase, bound in options.reportPhase(phase, since: start, incumbent: baseline?.simulation.computeCost, bound: bound) })
            if let bound = relaxed.cost {
                relaxedBound = bound
            } else if baseline == nil {
                // The relaxation is infeasible, so is every plan in stage form.
                throw .infeasibleBudget(budgetBytes: budget, minimumBytes: minimumFeasibleBudget(graph, costs: costs, options: options, start: start),
                                        solver: "ilp (proven: the relaxation with \(relaxed.cuts) cuts has no solution, so no plan whose first runs follow the layer order fits)")
            }
            // The eviction policy guided by which layers the relaxation's best solution reruns.
            if let reruns = relaxed.reruns?.layers, options.evictionEvaluations > 0,
               baseline.map({ $0.simulation.computeCost > relaxedBound * (1 + options.relativeGap) }) ?? true,
               let guided = guidedEviction(graph, costs: costs, budget: budget, reruns: reruns, evaluations: options.evictionEvaluations,
                                           timeLimit: options.timeLimit.map { min($0 * options.evictionShare, max(0.1, $0 - (ContinuousClock.now - start).seconds)) }),
               baseline.map({ guided.simulation.computeCost < $0.simulation.computeCost }) ?? true {
                baseline = guided
            }
            if var proven = baseline, proven.simulation.computeCost <= relaxedBound * (1 + options.relativeGap) {
                proven.plan.solver = "ilp (\(proven.plan.solver), proven optimal by the relaxation with \(relaxed.cuts) cuts)"
                proven.summarize(status: "optimal", lowerBound: relaxedBound, since: start)
                return proven
            }
        }
        // The program and GLPK's copy of it, about 3.1 KiB a variable (the 300-node random layered
        // DAG at 90%: 307 k variables, 245 MiB for the model and 680 MiB more in GLPK).
        let (programBytes, overflow) = size.multipliedReportingOverflow(by: 3_300)
        let overMemory = size <= options.maximumVariables && !MemoryLimit.installedAdmits(overflow ? .max : programBytes)
        if size > options.maximumVariables || overMemory {
            let reason = overMemory ? "about \(Units.bytes(programBytes)) would pass the memory limit of \(Units.bytes(MemoryLimit.installed?.bytes ?? 0))"
                                    : "\(size) variables > \(options.maximumVariables)"
            guard var fallback = baseline else {
                // Not proven infeasible: the heuristics found nothing and the program is too large.
                throw nothingInTime("ilp (program declined: \(reason))")
            }
            fallback.plan.solver = "ilp declined (\(reason)); \(fallback.plan.solver)"
            fallback.summarize(status: "feasible", lowerBound: relaxedBound, since: start)
            return fallback
        }
        if let stopped = try stoppedAtMemoryLimit(bound: relaxedBound) { return stopped }
        options.reportPhase("building the MILP", since: start, incumbent: baseline?.simulation.computeCost, bound: relaxedBound)
        let milp = CheckpointMILP(graph: graph, costs: costs, budget: modelBudget ?? budget)
        var incumbent = earliestFreeSteps(baseline).flatMap { milp.assignment(from: $0) }
        // Improve the incumbent by a large neighbourhood search, with a share of the time left.
        if let from = incumbent, let initial = baseline, options.searchShare > 0 {
            options.reportPhase("neighbourhood search", since: start, incumbent: initial.simulation.computeCost, bound: relaxedBound)
            let limit = options.timeLimit.map { max(0.1, $0 - (ContinuousClock.now - start).seconds) * options.searchShare }
            let search = milp.improve(from, neighbourhoods: milp.neighbourhoods(groupSize: options.neighbourhoodLayers,
                                                                               windowVariables: options.neighbourhoodVariables),
                                      solver: options.solver, timeLimit: limit, neighbourhoodTimeLimit: options.neighbourhoodTimeLimit)
            let steps = milp.steps(from: search.values)
            if search.improvements > 0,
               let simulation = try? PlanSimulator.replay(steps, on: graph, costs: costs, budget: budget),
               simulation.computeCost < initial.simulation.computeCost {
                baseline = PlannedSchedule(plan: Plan(graph: graph.name, solver: "neighbourhood search from \(initial.plan.solver)", budgetBytes: budget,
                                                      steps: steps.map { $0.named(in: graph) }), simulation: simulation)
                incumbent = search.values
            }
        }
        let remaining = options.timeLimit.map { max(0.1, $0 - (ContinuousClock.now - start).seconds) }
        options.reportPhase("milp (branch and bound)", since: start, incumbent: baseline?.simulation.computeCost, bound: relaxedBound)
        let solution: MILPSolution
        do {
            // Report progress in the plan's cost units.
            solution = try options.solver.solve(milp.model, options: SolverOptions(
                timeLimit: remaining, relativeGap: options.relativeGap, incumbent: incumbent,
                progress: options.scaledProgress(milp.cost(fromObjective: 1))))
        } catch {
            throw .invalidRequest("MILP solver \(options.solver.name) failed: \(error)")
        }
        // Every layer runs at least once: that cost is a proven bound even when the relaxation
        // did not finish.
        var lowerBound = max(solution.bound.map { milp.cost(fromObjective: $0) } ?? costs.onceEach, relaxedBound)
        if let priorBound { lowerBound = priorBound }
        switch solution.status {
        case .optimal, .feasible:
            let steps = milp.steps(from: solution.values)
            let simulation: SimulationResult
            do {
                simulation = try PlanSimulator.replay(steps, on: graph, costs: costs, budget: budget)
            } catch {
                guard case .overBudget(let peak, _, _) = error, peak - budget <= max(16, budget / 100_000) else { throw error }
                if var fallback = baseline {
                    fallback.plan.solver = "ilp (incumbent: \(fallback.plan.solver); the program's plan was \(peak - budget) B over, within the solver's tolerance)"
                    fallback.summarize(status: "feasible", lowerBound: lowerBound, since: start)
                    return fallback
                }
                guard modelBudget == nil else { throw error }
                var rest = options
                rest.timeLimit = options.timeLimit.map { max(0.1, $0 - (ContinuousClock.now - start).seconds) }
                return try optimal(graph, costs: costs, budget: budget, options: rest,
                                   modelBudget: budget - 2 * (peak - budget) - 1, priorBound: lowerBound)
            }
            var chosen = PlannedSchedule(plan: Plan(graph: graph.name, solver: "ilp", budgetBytes: budget, steps: steps.map { $0.named(in: graph) }),
                                         simulation: simulation)
            var status = solution.status == .optimal ? "optimal" : "feasible"
            if let baseline, baseline.simulation.computeCost < simulation.computeCost {
                chosen = baseline  // the solver stopped before reaching the baseline's cost
                chosen.plan.solver = "ilp (incumbent: \(baseline.plan.solver))"
                status = "feasible"
            }
            chosen.summarize(status: status, lowerBound: lowerBound, since: start)
            return chosen
        case .infeasible:
            // The program's stage form may exclude a baseline's plan (one that reruns a graph
            // output after a later one, say): the plan stands; the bound is what was proven.
            if var fallback = baseline {
                fallback.plan.solver = "ilp (incumbent: \(fallback.plan.solver); outside the program's stage form)"
                fallback.summarize(status: "feasible", lowerBound: relaxedBound, since: start)
                return fallback
            }
            throw .infeasibleBudget(budgetBytes: budget, minimumBytes: minimumFeasibleBudget(graph, costs: costs, options: options, start: start),
                                    solver: "ilp")
        case .unbounded:
            throw .invalidRequest("the checkpointing MILP is unbounded, which cannot happen for a valid graph; please report it")
        case .noSolutionFound:
            guard var fallback = baseline else {
                throw nothingInTime("ilp")
            }
            fallback.plan.solver = "ilp (incumbent: \(fallback.plan.solver))"
            fallback.summarize(status: "feasible", lowerBound: lowerBound, since: start)
            return fallback
        }
    }

    /// The smallest budget any plan fits, from the peak-minimizing MILP when it is solved in
    /// time; otherwise the lowest peak a baseline reaches (an upper bound on it).
    ///
    /// Within the time limit from `start` (plus a tenth of it, at least a second, when the limit
    /// has already passed, so that the answer still names a budget).
    static func minimumFeasibleBudget(_ graph: ComputeGraph, costs: LayerCosts, options: ILPOptions, start: ContinuousClock.Instant) -> Int {
        let left = options.timeLimit.map { limit in
            max(limit - (ContinuousClock.now - start).seconds, max(1, limit * 0.1))
        }
        let deadline = Deadline(secondsFromNow: left)
        let reference = (try? Baselines.checkpointAll(graph, costs: costs).simulation.peakBytes) ?? 1
        var best = reference
        if let greedy = try? Baselines.chenGreedy(graph, costs: costs, budget: nil, deadline: deadline) { best = min(best, greedy.simulation.peakBytes) }
        do {
            _ = try Baselines.dtr(graph, costs: costs, budget: 1, deadline: deadline)
        } catch {
            if case .infeasibleBudget(_, let minimum, _) = error { best = min(best, minimum) }
        }
        // The peak-minimizing program only while a tenth of the limit (at least a second) is
        // left: GLPK's small-program branching may overrun its limit (docs/benchmarks.md).
        let mainLeft = options.timeLimit.map { $0 - (ContinuousClock.now - start).seconds }
        if let mainLeft, let limit = options.timeLimit, mainLeft < max(1, limit * 0.1) { return best }
        guard CheckpointMILP.estimatedSize(graph: graph) <= options.maximumVariables else { return best }
        let milp = CheckpointMILP(graph: graph, costs: costs, budget: reference, minimizePeak: true)
        let remaining = deadline.secondsLeft.map { max(0.1, $0) }
        if let s = try? options.solver.solve(milp.model, options: SolverOptions(timeLimit: remaining, relativeGap: 1e-6)),
           s.status == .optimal || s.status == .feasible {
            let steps = milp.steps(from: s.values)
            if let sim = try? PlanSimulator.replay(steps, on: graph, costs: costs, budget: nil) { best = min(best, sim.peakBytes) }
        }
        return best
    }
}

extension ILPOptions {
    func reportPhase(_ name: String, since start: ContinuousClock.Instant, incumbent: Double? = nil, bound: Double? = nil) {
        phaseProgress?(PlanningPhase(name: name, seconds: (ContinuousClock.now - start).seconds, incumbent: incumbent, bound: bound))
    }

    /// The progress callback, reporting objective values multiplied by `scale` (a program's
    /// objective in the plan's own units).
    func scaledProgress(_ scale: Double) -> (@Sendable (SolverProgress) -> Void)? {
        progress.map { report in
            { @Sendable (p: SolverProgress) in
                report(SolverProgress(incumbent: p.incumbent.map { $0 * scale }, bound: p.bound.map { $0 * scale }, seconds: p.seconds))
            }
        }
    }
}

extension PlannedSchedule {
    /// Records the solver's report: the simulator's peak and costs, with a proven lower bound
    /// (capped at the cost) and its gap when there is one.
    mutating func summarize(status: String, lowerBound: Double?, since start: ContinuousClock.Instant) {
        let cost = simulation.computeCost
        let bound = lowerBound.map { min($0, cost) }
        plan.summary = PlanSummary(
            peakBytes: simulation.peakBytes, computeCost: cost, recomputeCost: simulation.recomputeCost, objective: cost,
            lowerBound: bound, gap: bound.map { (cost - $0) / max(abs(cost), 1e-300) },
            status: status, solveSeconds: (ContinuousClock.now - start).seconds)
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }
}
