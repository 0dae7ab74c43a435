/// A phase of a planning solve, as ``ILPOptions/phaseProgress`` reports it.
public struct PlanningPhase: Sendable {
    /// What runs now: `baselines` (then `baseline NAME` for each), `eviction search`,
    /// `relaxation (bound)` (then `bound: N cuts …` for each program solved), `neighbourhood
    /// search`, `milp`.
    public var name: String
    /// Seconds since the solve started.
    public var seconds: Double
    /// The best plan's cost so far, in the plan's units.
    public var incumbent: Double?
    /// The best proven lower bound so far.
    public var bound: Double?
}
