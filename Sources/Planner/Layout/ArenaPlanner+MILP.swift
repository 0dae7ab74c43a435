extension ArenaPlanner {
    /// The exact layout program (MODeL: Steiner, Bhattacharya et al., "MODeL: Memory
    /// Optimizations for Deep Learning", ICML 2023, its address-assignment part), in units of the
    /// alignment a:
    ///
    ///     minimize   A
    ///     subject to k_i + s_i ≤ A                                for every instance i
    ///                k_i + s_i ≤ k_j + U · z_ij                   for every pair i < j live together
    ///                k_j + s_j ≤ k_i + U · (1 − z_ij)
    ///                k_i ∈ {0, …, U − s_i} integer,  z_ij ∈ {0, 1},  L ≤ A ≤ U
    ///
    /// where s_i is instance i's aligned size / a, offset_i = a · k_i, z_ij = 0 puts i below j,
    /// U is the incumbent's arena and L the peak of the aligned live sizes. It starts from the
    /// incumbent; the solution's offsets are placed again by first fit in their order, which
    /// cannot grow the arena and removes any overlap the solver's tolerances let through.
    /// - Returns: the offsets and the proven lower bound on the arena in bytes.
    static func solveProgram(_ p: LayoutProblem, incumbent: [Int], options: LayoutOptions, deadline: Deadline) -> (offsets: [Int], bound: Int) {
        let a = p.alignment
        let upper = arena(p, incumbent)
        let lower = p.lowerBound
        guard upper > lower else { return (incumbent, lower) }
        let u = Double(upper / a)
        var m = LinearModel()
        let arenaVar = m.addVariable("A", .continuous, lower: Double(lower / a), upper: u)
        var k: [Variable?] = Array(repeating: nil, count: p.instances.count)
        var start: [Double] = [Double(upper / a)]
        for i in p.instances.indices where p.sizes[i] > 0 {
            let s = Double(p.sizes[i] / a)
            let v = m.addVariable("k\(i)", .integer, lower: 0, upper: u - s)
            k[i] = v
            start.append(Double(incumbent[i] / a))
            m.add(v - arenaVar <= -s, name: "top\(i)")
        }
        for i in p.instances.indices {
            guard let ki = k[i] else { continue }
            for j32 in p.conflicts(of: i) {
                let j = Int(j32)
                guard j > i, let kj = k[j] else { continue }
                let z = m.addVariable("z\(i)_\(j)", .binary)
                start.append(incumbent[i] < incumbent[j] ? 0 : 1)
                let si = Double(p.sizes[i] / a), sj = Double(p.sizes[j] / a)
                m.add(ki - kj - u * z <= -si, name: "below\(i)_\(j)")
                m.add(kj - ki + u * z <= u - sj, name: "above\(i)_\(j)")
            }
        }
        m.minimize(LinearExpression(arenaVar))
        let seconds = max(0.05, deadline.secondsLeft ?? options.timeLimit)
        guard let solution = try? options.solver.solve(m, options: SolverOptions(timeLimit: seconds, relativeGap: 0, incumbent: start)),
              !solution.values.isEmpty else {
            return (incumbent, lower)
        }
        let bound = solution.bound.map { max(lower, Int(($0 - 1e-6).rounded(.up)) * a) } ?? lower
        let keyed = p.instances.indices.map { i in k[i].map { solution[$0] } ?? 0 }
        let order = p.instances.indices.sorted { (keyed[$0], $0) < (keyed[$1], $1) }
        let placed = place(p, order: order)
        return arena(p, placed) <= upper ? (placed, bound) : (incumbent, bound)
    }
}
