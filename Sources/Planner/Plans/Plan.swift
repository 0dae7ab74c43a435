import Graph

/// One step of a plan: run a layer, drop a tensor, or (on a device with two memory levels, see
/// ``TimingSimulator``) move a tensor between fast and slow memory.
public enum PlanStep: Sendable, Hashable {
    /// Run the layer: its inputs must be resident and its outputs not; its outputs become resident.
    case compute(String)
    /// Drop a tensor (every copy of it).
    case free(String)
    /// Copy a tensor from slow to fast memory; it occupies fast memory from the moment it is issued.
    case load(String)
    /// Drop the fast copy of a tensor whose slow copy is up to date.
    case evict(String)
    /// Copy a tensor from fast to slow memory; its fast space is released when the copy completes.
    case offload(String)

    /// Whether the step moves data between memory levels.
    public var isTransfer: Bool {
        switch self {
        case .compute, .free: false
        case .load, .evict, .offload: true
        }
    }

    /// The step's kind and operand, as written in plan files (`compute conv1`).
    public var text: String {
        switch self {
        case .compute(let x): "compute \(x)"
        case .free(let x): "free \(x)"
        case .load(let x): "load \(x)"
        case .evict(let x): "evict \(x)"
        case .offload(let x): "offload \(x)"
        }
    }
}

/// What a solver reports about its plan; the simulator's figures are authoritative.
public struct PlanSummary: Sendable, Hashable {
    /// Peak bytes resident, as the simulator measures it.
    public var peakBytes: Int
    /// Cost of every compute step.
    public var computeCost: Double
    /// Cost beyond running every layer once.
    public var recomputeCost: Double
    /// The solver's objective, in the same units.
    public var objective: Double?
    /// A proven lower bound on the objective, when the solver has one.
    public var lowerBound: Double?
    /// Relative gap between objective and bound.
    public var gap: Double?
    /// `optimal`, `feasible`, `heuristic`, ...
    public var status: String
    /// Seconds the solver took.
    public var solveSeconds: Double

    public init(peakBytes: Int, computeCost: Double, recomputeCost: Double, objective: Double? = nil, lowerBound: Double? = nil,
                gap: Double? = nil, status: String, solveSeconds: Double) {
        self.peakBytes = peakBytes
        self.computeCost = computeCost
        self.recomputeCost = recomputeCost
        self.objective = objective
        self.lowerBound = lowerBound
        self.gap = gap
        self.status = status
        self.solveSeconds = solveSeconds
    }
}

/// An execution plan for a graph: the order in which to run layers (some more than once) and
/// free tensors. The format is documented in docs/plan-format.md; ``PlanSimulator`` replays it.
public struct Plan: Sendable, Hashable {
    /// The plan format's version.
    public static let formatVersion = 1

    /// The graph's name.
    public var graph: String
    /// The solver that produced it.
    public var solver: String
    /// The memory budget it was made for, if any.
    public var budgetBytes: Int?
    /// The steps, in order.
    public var steps: [PlanStep]
    /// For a device with two memory levels: the parameters held in fast memory from the start
    /// (loaded once, before the step; see ``TimingSimulator``). `nil` for one-level plans.
    public var resident: [String]?

    /// Whether the plan is for two memory levels (it names resident parameters or moves data).
    public var isTwoLevel: Bool { resident != nil || steps.contains { $0.isTransfer } }
    /// The solver's report.
    public var summary: PlanSummary?
    /// Where each tensor instance lives in the arena (one-level plans; docs/plan-format.md).
    public var layout: PlanLayout?
    /// For two-level plans: the layout of fast memory and of slow memory.
    public var fastLayout: PlanLayout?
    public var slowLayout: PlanLayout?

    public init(graph: String, solver: String, budgetBytes: Int?, steps: [PlanStep], summary: PlanSummary? = nil, resident: [String]? = nil) {
        self.graph = graph
        self.solver = solver
        self.budgetBytes = budgetBytes
        self.steps = steps
        self.summary = summary
        self.resident = resident
    }
}
