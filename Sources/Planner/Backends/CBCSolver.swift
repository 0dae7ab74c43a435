import Synchronization

/// COIN-OR CBC (branch and cut) as a ``MILPSolver``: an optional second backend beside GLPK.
///
/// The CBC library is opened at run time; where it is missing, ``solve(_:options:)`` throws an
/// error that says how to install it (`apt-get install coinor-libcbc-dev`). The model is loaded
/// column-major with CBC's defaults (its presolve, cuts and heuristics), silent; a warm start
/// is offered as a MIP start; the time limit and relative gap are CBC's own. Progress reports
/// are not available from CBC's C interface.
///
/// CBC checks its time limit between its own phases: on the largest programs here (ResNet-50's
/// training graph, about 250,000 variables) its root processing ran past 400 s of a 120 s limit
/// without a solution, where GLPK stops in time (docs/benchmarks.md). Prefer GLPK there.
public struct CBCSolver: MILPSolver {
    public var name: String { "cbc" }

    /// CBC's solve driver keeps process-wide state (CbcMain), so solves run one at a time.
    private static let serial = Mutex(())

    public init() {}

    /// Whether the CBC library can be opened here.
    public static var isAvailable: Bool {
        if case .success = CBCLibrary.shared { return true }
        return false
    }

    /// What to run to install CBC, for the error where it is missing.
    public static var installHint: String { CBCLibrary.installHint }

    /// CBC's version, when it is installed.
    public static var version: String? { CBCProblem.version }

    public func solve(_ model: LinearModel, options: SolverOptions) throws(SolverError) -> MILPSolution {
        if let defect = model.defect() { throw .invalidModel(defect) }
        if let t = options.timeLimit, !(t > 0) || !t.isFinite { throw .invalidOptions("time limit must be a positive number of seconds, got \(t)") }
        guard options.relativeGap >= 0, options.relativeGap.isFinite else { throw .invalidOptions("relative gap must be non-negative, got \(options.relativeGap)") }
        let library: CBCLibrary
        switch CBCLibrary.shared {
        case .success(let l): library = l
        case .failure(let e): throw e
        }
        let start = ContinuousClock.now
        func seconds() -> Double {
            let d = ContinuousClock.now - start
            return Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
        }
        guard !model.variables.isEmpty else {
            let feasible = model.violation(of: []) == nil
            return MILPSolution(status: feasible ? .optimal : .infeasible, objective: feasible ? model.objective.constant : nil,
                                values: [], bound: feasible ? model.objective.constant : nil, seconds: seconds())
        }
        let infinity = Double.greatestFiniteMagnitude
        let n = model.variables.count
        // Column-major matrix, the expression constants folded into the row bounds.
        var columns = [[(row: Int32, value: Double)]](repeating: [], count: n)
        var rowLower: [Double] = [], rowUpper: [Double] = []
        for (i, c) in model.constraints.enumerated() {
            let shift = c.expression.constant
            rowLower.append(c.lower.map { $0 - shift } ?? -infinity)
            rowUpper.append(c.upper.map { $0 - shift } ?? infinity)
            for (v, coefficient) in c.expression.sortedTerms where coefficient != 0 { columns[v].append((Int32(i), coefficient)) }
        }
        var starts: [Int32] = [0], rows: [Int32] = [], values: [Double] = []
        for column in columns {
            for entry in column { rows.append(entry.row); values.append(entry.value) }
            starts.append(Int32(values.count))
        }
        guard values.count < Int(Int32.max) else { throw .invalidModel("\(values.count) matrix entries exceed CBC's 32-bit index") }
        let problem = try CBCProblem(
            library: library, columnStarts: starts, rowIndices: rows, values: values,
            columnLower: model.variables.map { $0.lower ?? -infinity }, columnUpper: model.variables.map { $0.upper ?? infinity },
            objective: (0..<n).map { model.objective.terms[$0] ?? 0 }, rowLower: rowLower, rowUpper: rowUpper)
        for (j, v) in model.variables.enumerated() where v.domain != .continuous { problem.setInteger(Int32(j)) }
        let maximize = model.sense == .maximize
        problem.setMaximize(maximize)
        if let t = options.timeLimit { problem.setTimeLimit(t) }
        problem.setRelativeGap(options.relativeGap)
        if let x = options.incumbent, x.count == n, model.violation(of: x) == nil {
            problem.setStart(x.enumerated().map { j, v in model.variables[j].domain == .continuous ? v : v.rounded() })
        }
        Self.serial.withLock { _ in _ = problem.solve() }
        let constant = model.objective.constant
        let hasIntegers = model.variables.contains { $0.domain != .continuous }
        if !hasIntegers {
            // A linear program: CBC solves it with CLP and keeps no "best integer solution".
            if problem.isProvenOptimal, let x = problem.columnSolution {
                let objective = model.objective.value(at: x)
                return MILPSolution(status: .optimal, objective: objective, values: x, bound: objective, seconds: seconds())
            }
            if problem.isProvenInfeasible { return MILPSolution(status: .infeasible, objective: nil, values: [], bound: nil, seconds: seconds()) }
            if problem.isContinuousUnbounded { return MILPSolution(status: .unbounded, objective: nil, values: [], bound: nil, seconds: seconds()) }
            return MILPSolution(status: .noSolutionFound, objective: nil, values: [], bound: nil, seconds: seconds())
        }
        let solution = problem.bestSolution
        let objective = solution.map { model.objective.value(at: $0) }
        var bound = problem.bound + constant
        if let objective { bound = maximize ? max(bound, objective) : min(bound, objective) }
        if problem.isProvenInfeasible && solution == nil {
            return MILPSolution(status: .infeasible, objective: nil, values: [], bound: nil, seconds: seconds())
        }
        if problem.isContinuousUnbounded && solution == nil {
            return MILPSolution(status: .unbounded, objective: nil, values: [], bound: nil, seconds: seconds())
        }
        guard let solution, let objective else {
            return MILPSolution(status: .noSolutionFound, objective: nil, values: [], bound: bound.isFinite ? bound : nil, seconds: seconds())
        }
        let proven = problem.isProvenOptimal || abs(objective - bound) <= options.relativeGap * max(abs(objective), 1e-10)
        return MILPSolution(status: proven ? .optimal : .feasible, objective: objective, values: solution,
                            bound: bound, seconds: seconds())
    }
}
