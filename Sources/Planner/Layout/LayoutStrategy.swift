/// How ``ArenaPlanner`` assigns offsets.
public enum LayoutStrategy: String, Sendable, CaseIterable {
    /// Largest instance first, each at the lowest offset where it fits beside the instances live
    /// at the same time already placed: TensorFlow Lite Micro's `GreedyMemoryPlanner`.
    case greedyBySize = "greedy-by-size"
    /// The instance live with the most others first (ties: larger first), placed the same way:
    /// TVM's unified static memory planner, `greedy_by_conflicts`.
    case greedyByConflict = "greedy-by-conflict"
    /// Swaps in the placement order from the best greedy order, kept when the arena does not
    /// grow: TVM USMP's `hill_climb`.
    case hillClimb = "hill-climb"
    /// The exact program of MODeL (Steiner et al., ICML 2023): offsets, and for each pair live
    /// together an order, minimizing the arena; small problems only.
    case milp = "milp"
    /// The smallest arena of all of the above (the program only where it is small enough).
    case best = "best"

    /// The strategies `best` chooses among.
    public static let individual: [LayoutStrategy] = [.greedyBySize, .greedyByConflict, .hillClimb, .milp]
}
