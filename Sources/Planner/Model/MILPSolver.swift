/// How a solve ended.
public enum SolveStatus: String, Sendable, Hashable {
    /// Proven optimal (within the requested relative gap).
    case optimal
    /// A feasible solution, not proven optimal (time limit); see the bound and gap.
    case feasible
    /// No solution exists.
    case infeasible
    /// The objective is unbounded.
    case unbounded
    /// Stopped (time limit) before any feasible solution was found.
    case noSolutionFound
}

/// What a solver found.
public struct MILPSolution: Sendable {
    public var status: SolveStatus
    /// Objective of the best solution, when there is one.
    public var objective: Double?
    /// Value of every variable in the best solution (empty when there is none).
    public var values: [Double]
    /// A proven bound on the optimum (lower for minimization, upper for maximization), when known.
    public var bound: Double?
    /// Seconds spent in the solver.
    public var seconds: Double

    /// Relative gap |objective − bound| / max(|objective|, 1e-10), when both are known.
    public var gap: Double? {
        guard let objective, let bound else { return nil }
        return abs(objective - bound) / max(abs(objective), 1e-10)
    }

    /// The value of a variable in the solution.
    public subscript(variable: Variable) -> Double { values[variable.index] }
}

/// Progress during a branch-and-bound solve.
public struct SolverProgress: Sendable {
    /// Objective of the best solution so far.
    public var incumbent: Double?
    /// The best proven bound so far.
    public var bound: Double?
    /// Seconds since branch and bound started.
    public var seconds: Double

    public init(incumbent: Double?, bound: Double?, seconds: Double) {
        self.incumbent = incumbent
        self.bound = bound
        self.seconds = seconds
    }

    /// Relative gap between incumbent and bound, when both are known.
    public var gap: Double? {
        guard let incumbent, let bound else { return nil }
        return abs(incumbent - bound) / max(abs(incumbent), 1e-10)
    }
}

/// Limits and hints for a solve.
public struct SolverOptions: Sendable {
    /// Wall-clock limit in seconds; `nil` for none.
    public var timeLimit: Double?
    /// Stop when the relative gap is at most this.
    public var relativeGap: Double
    /// A feasible solution to start from (one value per variable). Checked before use: an
    /// infeasible one is ignored.
    public var incumbent: [Double]?
    /// Called from the solving thread as the incumbent or bound improves.
    public var progress: (@Sendable (SolverProgress) -> Void)?

    public init(timeLimit: Double? = nil, relativeGap: Double = 0, incumbent: [Double]? = nil, progress: (@Sendable (SolverProgress) -> Void)? = nil) {
        self.timeLimit = timeLimit
        self.relativeGap = relativeGap
        self.incumbent = incumbent
        self.progress = progress
    }
}

/// Why a solve could not run.
public enum SolverError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The model has a defect (non-finite number, crossed bounds, ...).
    case invalidModel(String)
    /// The option values are out of range.
    case invalidOptions(String)
    /// The backend failed in a way it reported.
    case backend(String)

    public var description: String {
        switch self {
        case .invalidModel(let r): "invalid model: \(r)"
        case .invalidOptions(let r): "invalid solver options: \(r)"
        case .backend(let r): "solver failed: \(r)"
        }
    }
}

/// A mixed-integer linear programming backend.
public protocol MILPSolver: Sendable {
    /// The backend's name, for reports.
    var name: String { get }
    /// Solves a model. Must not abort the process on any model or options.
    func solve(_ model: LinearModel, options: SolverOptions) throws(SolverError) -> MILPSolution
}

extension MILPSolver {
    public func solve(_ model: LinearModel) throws(SolverError) -> MILPSolution {
        try solve(model, options: SolverOptions())
    }
}
