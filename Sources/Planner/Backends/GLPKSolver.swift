/// The GNU Linear Programming Kit as a ``MILPSolver``.
///
/// The relaxation is scaled, given an advanced basis and solved with the dual simplex; branch and
/// bound then runs with presolve off (so that a warm start can be offered), GLPK's four cut
/// families on, best-bound backtracking, and hybrid pseudo-cost branching — Driebeck and
/// Tomlin's heuristic instead on programs of more than 1,000 integer variables with a time
/// limit, which GLPK's strong branching for pseudocosts does not check. docs/benchmarks.md has
/// the measurements behind these choices.
///
/// The model is validated in Swift before any GLPK call, so no input makes GLPK abort the process.
public struct GLPKSolver: MILPSolver {
    public var name: String { "glpk" }

    public init() {}

    /// With a time limit, programs with at most this many integer variables branch on
    /// pseudocosts, larger ones by Driebeck and Tomlin's rule (see `GLPKProblem.branchAndBound`).
    static let pseudocostIntegerLimit = 1_000

    /// The resident bytes GLPK needs for `model` and its simplex, estimated high: 240 B for each
    /// coefficient, row and column. Measured on the checkpointing programs of random layered
    /// DAGs: 173 B (a relaxation of the 10,000-node DAG at 90%, 1.41 M coefficients, 468 k rows
    /// and columns, 310 MiB) and 203 B (the full program of the 300-node DAG at 90%, 2.28 M
    /// coefficients, 1.23 M rows and columns, 680 MiB).
    static func estimatedBytes(_ model: LinearModel) -> Int {
        let nonzeros = model.constraints.reduce(0) { $0 + $1.expression.terms.count }
        let (bytes, overflow) = (nonzeros + model.constraints.count + model.variables.count).multipliedReportingOverflow(by: 240)
        return overflow ? Int.max : bytes
    }

    public func solve(_ model: LinearModel, options: SolverOptions) throws(SolverError) -> MILPSolution {
        if let defect = model.defect() { throw .invalidModel(defect) }
        if let t = options.timeLimit, !(t > 0) || !t.isFinite { throw .invalidOptions("time limit must be a positive number of seconds, got \(t)") }
        guard options.relativeGap >= 0, options.relativeGap.isFinite else { throw .invalidOptions("relative gap must be non-negative, got \(options.relativeGap)") }
        let start = ContinuousClock.now
        func seconds() -> Double {
            let d = ContinuousClock.now - start
            return Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
        }
        let maximize = model.sense == .maximize

        // A model without variables is its constant.
        guard !model.variables.isEmpty else {
            let feasible = model.violation(of: []) == nil
            return MILPSolution(status: feasible ? .optimal : .infeasible, objective: feasible ? model.objective.constant : nil,
                                values: [], bound: feasible ? model.objective.constant : nil, seconds: seconds())
        }

        // GLPK's copy of the program and its factorization, which no memory check reaches once
        // the simplex runs: skipped, as if out of time, when it would pass the memory limit.
        guard MemoryLimit.installedAdmits(Self.estimatedBytes(model)) else {
            return MILPSolution(status: .noSolutionFound, objective: nil, values: [], bound: nil, seconds: seconds())
        }
        let p = GLPKProblem()
        p.setMaximize(maximize)
        p.addColumns(model.variables.count)
        for (j, v) in model.variables.enumerated() {
            p.setColumn(Int32(j + 1), bounds: .init(lower: v.lower, upper: v.upper), integer: v.domain != .continuous,
                        objective: model.objective.terms[j] ?? 0)
        }
        p.setObjectiveConstant(model.objective.constant)
        if !model.constraints.isEmpty {
            p.addRows(model.constraints.count)
            var rows: [Int32] = [0], cols: [Int32] = [0], vals: [Double] = [0]
            for (i, c) in model.constraints.enumerated() {
                let shift = c.expression.constant
                p.setRow(Int32(i + 1), bounds: .init(lower: c.lower.map { $0 - shift }, upper: c.upper.map { $0 - shift }))
                for (v, coefficient) in c.expression.sortedTerms {
                    rows.append(Int32(i + 1))
                    cols.append(Int32(v + 1))
                    vals.append(coefficient)
                }
            }
            p.loadMatrix(rows: rows, columns: cols, values: vals)
        }

        // The time left once the program is loaded (loading 2.3 M coefficients takes 1.7 s).
        let limit = options.timeLimit.map { Int32(min(Double(Int32.max), (max(0.001, $0 - seconds()) * 1000).rounded(.up))) }
        let relaxation = p.solveRelaxation(timeLimitMilliseconds: limit)
        switch relaxation.status {
        case .optimal: break
        case .infeasible: return MILPSolution(status: .infeasible, objective: nil, values: [], bound: nil, seconds: seconds())
        case .unbounded: return MILPSolution(status: .unbounded, objective: nil, values: [], bound: nil, seconds: seconds())
        case .feasible, .undefined:
            if relaxation.code == .timeLimit {
                return MILPSolution(status: .noSolutionFound, objective: nil, values: [], bound: nil, seconds: seconds())
            }
            throw .backend("the LP relaxation ended with code \(relaxation.code), status \(relaxation.status)")
        }

        let hasIntegers = model.variables.contains { $0.domain != .continuous }
        if !hasIntegers {
            let values = (1...model.variables.count).map { p.relaxationValue(column: Int32($0)) }
            let objective = p.relaxationObjective
            return MILPSolution(status: .optimal, objective: objective, values: values, bound: objective, seconds: seconds())
        }

        let context = GLPKCallbackContext()
        context.progress = options.progress
        context.integralObjective = model.objectiveIsIntegral
        context.maximize = maximize
        context.relativeGap = options.relativeGap
        var checkedIncumbent: [Double]?
        if let x = options.incumbent, model.violation(of: x) == nil {
            checkedIncumbent = x.enumerated().map { j, v in model.variables[j].domain == .continuous ? v : v.rounded() }
            context.incumbent = [0] + checkedIncumbent!
        }
        // GLPK re-solves the root before its first callback, which cannot stop it: when less
        // time is left than the relaxation took, stop here with its bound and the incumbent.
        let relaxationSeconds = seconds()
        if let limit = options.timeLimit, limit - relaxationSeconds < relaxationSeconds {
            let bound = context.rounded(p.relaxationObjective)
            guard let x = checkedIncumbent else {
                return MILPSolution(status: .noSolutionFound, objective: nil, values: [], bound: bound, seconds: seconds())
            }
            let objective = model.objective.value(at: x)
            let proven = abs(objective - bound) <= options.relativeGap * max(abs(objective), 1e-10)
            return MILPSolution(status: proven ? .optimal : .feasible, objective: objective, values: x, bound: bound, seconds: seconds())
        }
        let remaining = options.timeLimit.map { max(0.001, $0 - seconds()) }
        context.deadline = remaining
        // Pseudocost branching proves small programs much faster (the checkpointing tests: 15 s
        // against 48 s), but its strong branching ignores the time limit, by minutes on large
        // programs: with a limit, only up to a thousand integer variables.
        let integers = model.variables.reduce(0) { $0 + ($1.domain == .continuous ? 0 : 1) }
        let code = p.branchAndBound(timeLimitMilliseconds: remaining.map { Int32(min(Double(Int32.max), ($0 * 1000).rounded(.up))) },
                                    relativeGap: options.relativeGap,
                                    pseudocosts: options.timeLimit == nil || integers <= Self.pseudocostIntegerLimit, context: context)
        let status = p.mipStatus
        var values: [Double] = []
        var objective: Double?
        if status == .optimal || status == .feasible {
            values = (1...model.variables.count).map { p.mipValue(column: Int32($0)) }
            objective = p.mipObjective
        }
        switch (code, status) {
        case (.ok, .optimal):
            return MILPSolution(status: .optimal, objective: objective, values: values, bound: objective, seconds: seconds())
        case (.ok, .infeasible):
            return MILPSolution(status: .infeasible, objective: nil, values: [], bound: nil, seconds: seconds())
        case (.timeLimit, _), (.gapReached, _), (.stopped, _):
            // Stopped early: the best bound is the one last seen in the callback, never past the incumbent.
            var bound = context.bound ?? context.rounded(p.relaxationObjective)
            if let objective { bound = maximize ? max(bound, objective) : min(bound, objective) }
            let provenByBound = objective.map { abs($0 - bound) <= options.relativeGap * max(abs($0), 1e-10) } ?? false
            if code == .gapReached || provenByBound, objective != nil {
                return MILPSolution(status: .optimal, objective: objective, values: values, bound: bound, seconds: seconds())
            }
            return MILPSolution(status: objective == nil ? .noSolutionFound : .feasible, objective: objective, values: values,
                                bound: bound, seconds: seconds())
        default:
            throw .backend("branch and bound ended with code \(code), status \(status)")
        }
    }
}
