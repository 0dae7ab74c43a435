/// Limits and backend for the MILP.
public struct ILPOptions: Sendable {
    /// Seconds for the whole solve; the best plan found is returned with its proven bound.
    /// Every solver honours it, the baselines included.
    public var timeLimit: Double?
    /// An absolute deadline that overrides `timeLimit` for the baselines (set by the planner
    /// when it gives them a share of the time); `nil`: `timeLimit` from the call.
    public var deadline: Deadline?
    /// Stop once the relative gap is at most this.
    public var relativeGap: Double
    /// The backend.
    public var solver: any MILPSolver
    /// Progress reports during branch and bound.
    public var progress: (@Sendable (SolverProgress) -> Void)?
    /// Above this many variables the MILP is not built (its size grows with the square of the
    /// layer count: 600,000 variables take about 1–2 GiB to build); the best baseline is returned
    /// instead, with the trivial bound.
    public var maximumVariables: Int
    /// The two-level program decides recomputation while its estimated size is at most this many
    /// variables; larger graphs get the program without reruns (``TwoLevelMILP``).
    public var twoLevelRecomputationLimit: Int = 40_000
    /// Cut counts of the relaxation (``CheckpointRelaxation``) solved, in turn, for a lower bound
    /// before the full program; empty for none.
    public var relaxationCuts: [Int] = [4, 8, 16, 32]
    /// The share of the time limit the relaxation may use.
    public var relaxationShare: Double = 0.25
    /// The incumbent's eviction policy is tuned to the graph by at most this many eviction runs
    /// (``CheckpointPlanner/tunedEviction(_:costs:budget:from:policy:evaluations:timeLimit:runsPerTensor:temperature:seed:initialWeights:)``),
    /// 0 for none,
    public var evictionEvaluations: Int = 20_000
    /// within this share of the time limit.
    public var evictionShare: Double = 0.1
    /// The large neighbourhood search that improves the incumbent before the full program is
    /// solved (``CheckpointMILP/improve(_:neighbourhoods:solver:timeLimit:neighbourhoodTimeLimit:)``):
    /// forward layers per group (every decision about them re-optimized), 0 for none;
    public var neighbourhoodLayers: Int = 4
    /// about how many variables each window of consecutive stages frees, 0 for none;
    public var neighbourhoodVariables: Int = 6_000
    /// seconds each neighbourhood's program may take;
    public var neighbourhoodTimeLimit: Double = 4
    /// and the share of the time left after the relaxation that the search may use (0: none).
    public var searchShare: Double = 0.5
    /// The share of the time limit the baselines may take before the other phases (each
    /// baseline stops at that deadline with the best it has).
    public var baselineShare: Double = 0.25
    /// The baselines' share when the program is declined (more than `maximumVariables`): they
    /// are then the only source of a plan (`lifetime-split` needs 8.5 s at 2,000 nodes).
    public var declinedBaselineShare: Double = 0.6
    /// On graphs without backward layers (inference, general DAGs), plan in a memory-aware
    /// layer order when it lowers the keep-everything peak (``CheckpointPlanner/plan(_:costs:budget:solver:options:)``);
    /// `false` keeps the order given, as Moccasin's model does.
    public var reordersLayers: Bool = true
    /// Randomized restarts of the memory-aware order (the first run is the plain greedy).
    public var orderRestarts: Int = 64
    /// Which phase of the solve runs, reported as it starts (`--progress`): its name, the seconds
    /// since the solve began, the incumbent's cost and the proven bound so far.
    public var phaseProgress: (@Sendable (PlanningPhase) -> Void)?

    public init(timeLimit: Double? = 60, relativeGap: Double = 1e-4, solver: any MILPSolver = GLPKSolver(),
                progress: (@Sendable (SolverProgress) -> Void)? = nil, maximumVariables: Int = 600_000) {
        self.timeLimit = timeLimit
        self.relativeGap = relativeGap
        self.solver = solver
        self.progress = progress
        self.maximumVariables = maximumVariables
    }
}
