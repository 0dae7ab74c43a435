import Graph

/// Why a plan is invalid or cannot be made.
public enum PlanError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A step breaks the replay rules; `step` is its 0-based index in `steps`.
    case invalidStep(step: Int, description: String, reason: String)
    /// The plan ends without satisfying the end conditions.
    case incomplete(reason: String)
    /// The plan's peak is above the budget.
    case overBudget(peakBytes: Int, budgetBytes: Int, step: Int)
    /// A memory level (`fast` or `slow`) holds more than its capacity after the given step.
    case overCapacity(memory: String, bytes: Int, capacityBytes: Int, step: Int, time: Double)
    /// No plan fits the budget; `minimumBytes` is the smallest budget known to be feasible.
    case infeasibleBudget(budgetBytes: Int, minimumBytes: Int, solver: String)
    /// Layer costs cannot be put in one unit.
    case costUnavailable(reason: String)
    /// A planning request is malformed (unknown solver, bad budget, ...).
    case invalidRequest(String)
    /// The solver's deadline (`--time-limit`) passed before it had a plan.
    case deadlinePassed(solver: String)
    /// The solver's schedule grew past its step limit (recomputation cascading); no plan.
    case scheduleTooLong(solver: String, steps: Int)
    /// No plan within the budget was found before the deadline; `minimumBytes` is the smallest
    /// budget known to be feasible, when one is known.
    case noPlanInTime(budgetBytes: Int, minimumBytes: Int?, seconds: Double, solver: String)

    /// Whether the solver stopped without a plan for want of time or steps, not because no plan
    /// fits: a caller trying several solvers goes on to the next.
    var isOutOfTime: Bool {
        switch self {
        case .noPlanInTime, .deadlinePassed, .scheduleTooLong: true
        default: false
        }
    }

    public var description: String {
        switch self {
        case .invalidStep(let step, let description, let reason):
            return "steps[\(step)] (\(description)): \(reason)"
        case .incomplete(let reason):
            return "plan incomplete: \(reason)"
        case .overBudget(let peak, let budget, let step):
            return "steps[\(step)]: resident memory \(Units.bytes(peak)) (\(peak) B) exceeds the budget \(Units.bytes(budget)) (\(budget) B)"
        case .overCapacity(let memory, let bytes, let capacity, let step, let time):
            return "steps[\(step)]: \(memory) memory holds \(Units.bytes(bytes)) (\(bytes) B) at t = \(Units.seconds(time)), above its capacity \(Units.bytes(capacity)) (\(capacity) B)"
        case .infeasibleBudget(let budget, let minimum, let solver):
            return "no plan fits \(Units.bytes(budget)) (\(budget) B) with solver \(solver); the smallest feasible budget found is \(Units.bytes(minimum)) (\(minimum) B)"
        case .costUnavailable(let reason):
            return "cannot price layers: \(reason)"
        case .invalidRequest(let reason):
            return reason
        case .deadlinePassed(let solver):
            return "\(solver) reached its time limit before it had a plan; raise --time-limit"
        case .scheduleTooLong(let solver, let steps):
            return "\(solver): the schedule passed \(steps) steps (recomputation cascading) without completing; no plan"
        case .noPlanInTime(let budget, let minimum, let seconds, let solver):
            return "\(solver): no plan within \(Units.bytes(budget)) (\(budget) B) found in \(Units.seconds(seconds))"
                + (minimum.map { "; the smallest budget known to be feasible is \(Units.bytes($0)) (\($0) B)" } ?? "; no feasible budget is known yet")
                + "; raise --time-limit or the budget"
        }
    }
}
