/// Limits for ``ArenaPlanner``.
public struct LayoutOptions: Sendable {
    /// Seconds for the whole layout (the hill climb and the program stop at their share of it).
    public var timeLimit: Double
    /// The hill climb's most placement orders tried.
    public var hillClimbIterations: Int = 2_000
    /// `best` solves the program only when at most this many pairs of instances are live together.
    public var milpMaximumPairs: Int = 400
    /// The `milp` strategy declines problems with more pairs than this.
    public var milpLargestPairs: Int = 20_000
    /// The backend for the program.
    public var solver: any MILPSolver
    /// The hill climb's random seed.
    public var seed: UInt64 = 1

    public init(timeLimit: Double = 10, solver: any MILPSolver = GLPKSolver()) {
        self.timeLimit = timeLimit
        self.solver = solver
    }
}

/// Assigns every tensor instance an offset in one arena so that instances live at the same time
/// never overlap (the dynamic storage allocation problem, NP-hard in general).
///
/// Every heuristic places instances one at a time in some order, each at the lowest aligned
/// offset where it fits beside the already placed instances it is live with ("first fit"). Any
/// layout is matched or beaten by first fit in the order of its offsets, so some order gives
/// the optimum: the hill climb searches orders, and tests search all of them on tiny problems.
public enum ArenaPlanner {
    /// Lays out with one strategy (`best`: the smallest arena of every strategy).
    /// - Throws: ``PlanError/invalidRequest(_:)`` when `milp` is asked for a problem with more
    ///   than `options.milpLargestPairs` pairs live together.
    public static func layout(_ problem: LayoutProblem, strategy: LayoutStrategy, options: LayoutOptions = LayoutOptions()) throws(PlanError) -> ArenaLayout {
        let deadline = Deadline(secondsFromNow: options.timeLimit)
        let start = ContinuousClock.now
        func finish(_ offsets: [Int], _ name: String, bound: Int? = nil) -> ArenaLayout {
            ArenaLayout(strategy: name, offsets: offsets, arenaBytes: arena(problem, offsets), peakLiveBytes: problem.peakLiveBytes,
                        lowerBound: max(problem.lowerBound, bound ?? 0), seconds: (ContinuousClock.now - start).seconds)
        }
        switch strategy {
        case .greedyBySize: return finish(place(problem, order: sizeOrder(problem)), strategy.rawValue)
        case .greedyByConflict: return finish(place(problem, order: conflictOrder(problem)), strategy.rawValue)
        case .hillClimb: return finish(hillClimb(problem, options: options, deadline: deadline), strategy.rawValue)
        case .milp:
            guard problem.conflictPairs <= options.milpLargestPairs else {
                throw .invalidRequest("the layout program is for small plans: \(problem.conflictPairs) pairs of instances are live together, more than \(options.milpLargestPairs)")
            }
            let climbed = hillClimb(problem, options: options, deadline: Deadline(secondsFromNow: options.timeLimit * 0.1))
            let (offsets, bound) = solveProgram(problem, incumbent: climbed, options: options, deadline: deadline)
            return finish(offsets, strategy.rawValue, bound: bound)
        case .best:
            var all: [ArenaLayout] = []
            for s in LayoutStrategy.individual {
                if s == .milp && problem.conflictPairs > options.milpMaximumPairs { continue }
                var each = options
                each.timeLimit = max(0, deadline.secondsLeft ?? options.timeLimit) * (s == .hillClimb ? 0.3 : 1)
                all.append(try layout(problem, strategy: s, options: each))
            }
            var chosen = all.min { ($0.arenaBytes, $0.seconds) < ($1.arenaBytes, $1.seconds) }!
            chosen.lowerBound = all.map(\.lowerBound).max()!
            chosen.strategy = "best (\(chosen.strategy))"
            chosen.seconds = (ContinuousClock.now - start).seconds
            return chosen
        }
    }

    /// The arena of a set of offsets: the largest offset + aligned size (0 when empty).
    static func arena(_ problem: LayoutProblem, _ offsets: [Int]) -> Int {
        zip(offsets, problem.sizes).map { $0 + $1 }.max() ?? 0
    }

    /// Largest first; ties: earlier start, then plan order (TFLite Micro's order).
    static func sizeOrder(_ p: LayoutProblem) -> [Int] {
        p.instances.indices.sorted { (-p.sizes[$0], p.instances[$0].start, $0) < (-p.sizes[$1], p.instances[$1].start, $1) }
    }

    /// Most conflicts first; ties: larger first, then plan order (TVM USMP's order).
    static func conflictOrder(_ p: LayoutProblem) -> [Int] {
        p.instances.indices.sorted { (-p.conflictCount(of: $0), -p.sizes[$0], $0) < (-p.conflictCount(of: $1), -p.sizes[$1], $1) }
    }

    /// Earliest start first: on lifetimes that nest (a stack) the arena is the peak.
    static func startOrder(_ p: LayoutProblem) -> [Int] {
        p.instances.indices.sorted { (p.instances[$0].start, -p.sizes[$0], $0) < (p.instances[$1].start, -p.sizes[$1], $1) }
    }

    /// First fit in `order`: each instance at the lowest aligned offset clear of the placed
    /// instances it is live with.
    /// - Complexity: O(Σ conflicts · log) over the instances.
    static func place(_ p: LayoutProblem, order: [Int]) -> [Int] {
        var offsets = [Int](repeating: -1, count: p.instances.count)
        place(p, order: order, from: 0, offsets: &offsets)
        return offsets
    }

    /// First fit of `order[first...]`, the instances before `first` staying where `offsets` has
    /// them: what moving an instance to position `first` of the order changes.
    static func place(_ p: LayoutProblem, order: [Int], from first: Int, offsets: inout [Int]) {
        for k in first..<order.count { offsets[order[k]] = -1 }
        var taken: [(offset: Int, end: Int)] = []
        for i in order[first...] {
            guard p.sizes[i] > 0 else { offsets[i] = 0; continue }
            taken.removeAll(keepingCapacity: true)
            for j in p.conflicts(of: i) where offsets[Int(j)] >= 0 {
                taken.append((offsets[Int(j)], offsets[Int(j)] + p.sizes[Int(j)]))
            }
            taken.sort { $0.offset < $1.offset }
            var candidate = 0
            for t in taken {
                if candidate + p.sizes[i] <= t.offset { break }
                candidate = max(candidate, t.end)
            }
            offsets[i] = candidate
        }
    }

    /// From the best of the size, conflict and start orders, moves an instance earlier in the
    /// order (half the time one that ends at the top of the arena) and keeps the move when the
    /// arena does not grow, until the iterations or the deadline run out. Each move re-places
    /// only the instances from its new position on (the prefix of a first-fit order does not
    /// depend on what follows it).
    static func hillClimb(_ p: LayoutProblem, options: LayoutOptions, deadline: Deadline) -> [Int] {
        var best: (order: [Int], offsets: [Int], arena: Int)?
        for order in [sizeOrder(p), conflictOrder(p), startOrder(p)] {
            let offsets = place(p, order: order)
            let a = arena(p, offsets)
            if best == nil || a < best!.arena { best = (order, offsets, a) }
        }
        guard var (order, offsets, current) = best, p.instances.count > 1 else { return best?.offsets ?? [] }
        let bound = p.lowerBound
        var rng = SplitMix64(seed: options.seed)
        var iteration = 0
        while iteration < options.hillClimbIterations, current > bound, !deadline.hasPassed {
            iteration += 1
            var from: Int
            if Bool.random(using: &rng) {
                let top = order.indices.filter { offsets[order[$0]] + p.sizes[order[$0]] == current }
                from = top.randomElement(using: &rng)!
            } else {
                from = Int.random(in: 0..<order.count, using: &rng)
            }
            if from == 0 { from = Int.random(in: 1..<order.count, using: &rng) }
            let to = Int.random(in: 0..<from, using: &rng)
            // Only the instances from `to` on move: first fit keeps the prefix where it was.
            var trial = order
            let moved = trial.remove(at: from)
            trial.insert(moved, at: to)
            var placed = offsets
            place(p, order: trial, from: to, offsets: &placed)
            let a = arena(p, placed)
            if a <= current {
                order = trial
                offsets = placed
                current = a
            }
        }
        return offsets
    }
}
