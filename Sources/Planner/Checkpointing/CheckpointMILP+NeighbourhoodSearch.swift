import Graph

extension CheckpointMILP {
    /// A part of the program that a large neighbourhood search re-optimizes, the rest fixed.
    enum Neighbourhood: Hashable {
        /// Every decision of some consecutive stages: what reruns and is freed in them, and what is
        /// resident at the start of each but the first. What is resident when the window starts,
        /// and what must be resident when it ends, stay as they are.
        case stages(Range<Int>)
        /// Every decision about some forward layers, in every stage: when they rerun, when their
        /// outputs are resident, and the frees of their inputs and outputs.
        case layers(Set<LayerID>)
    }

    /// The rerun, storage and free variables a neighbourhood frees (usage is never free: it
    /// follows from them, see ``restriction(freeing:at:)``).
    func freeVariables(_ neighbourhood: Neighbourhood) -> [Bool] {
        var free = [Bool](repeating: false, count: model.variables.count)
        switch neighbourhood {
        case .stages(let stages):
            for t in stages {
                for v in rerun[t].values { free[v.index] = true }
                for list in frees[t].values { for (_, f) in list { free[f.index] = true } }
                if t > stages.lowerBound { for v in stored[t].values { free[v.index] = true } }
            }
        case .layers(let group):
            var outputs = Set<TensorID>(), inputs = Set<TensorID>()
            for l in group {
                outputs.formUnion(graph.layerOutputs[l])
                inputs.formUnion(graph.layerInputs[l])
            }
            for t in rerun.indices {
                for (l, v) in rerun[t] where group.contains(l) { free[v.index] = true }
                for (x, v) in stored[t] where outputs.contains(x) { free[v.index] = true }
                for (k, list) in frees[t] {
                    for (x, f) in list where group.contains(k) || outputs.contains(x) || inputs.contains(x) { free[f.index] = true }
                }
            }
        }
        return free
    }

    /// The program with every variable but the `free` ones fixed at `values`, usage eliminated:
    /// in each stage with a free variable, `U[t][k] ≤ 1` becomes a row over the free variables
    /// of positions up to k (S, the reruns, the frees before k), the fixed ones in its bound, one
    /// row per run of positions where the free part is the same (the tightest bound of the run).
    /// Without U, the restriction is small: U chains through every position of a stage, so
    /// freeing it would free most of the program.
    ///
    /// - Parameter values: a solution of the program (the memory of a stage where it fixes
    ///   everything is not checked again).
    /// - Returns: `nil` when the fixed part alone breaks a constraint.
    func restriction(freeing free: [Bool], at values: [Double]) -> LinearModel.Restriction? {
        precondition(!minimizesPeak, "the neighbourhood search is for the cost program")
        var free = free
        for row in usage { for (_, u) in row { free[u.index] = false } }
        guard var restriction = model.restricted(free: free, at: values, skipping: Set(usageRows), tolerance: 1e-7) else { return nil }
        var reduced = [Int](repeating: -1, count: model.variables.count)
        for (k, j) in restriction.original.enumerated() { reduced[j] = k }
        var rows: [LinearConstraint] = []
        for t in usage.indices {
            let anyFree = stored[t].values.contains { free[$0.index] } || rerun[t].values.contains { free[$0.index] }
                || frees[t].values.contains { $0.contains { free[$0.1.index] } }
            guard anyFree else { continue }  // all fixed: the given solution satisfies it
            var fixedPart = stageConstant[t] * memoryScale
            var freePart = LinearExpression()
            func add(_ v: Variable, _ coefficient: Double) -> Bool {
                if free[v.index] {
                    freePart.add(Variable(index: reduced[v.index]), coefficient: coefficient)
                    return true
                }
                fixedPart += values[v.index] * coefficient
                return false
            }
            for (x, s) in stored[t] { _ = add(s, Double(graph.tensors[x].bytes) * memoryScale) }
            var segment: (expression: LinearExpression, bound: Double)?
            var pendingFrees: [(TensorID, Variable)] = []
            func close() -> Bool {
                guard let s = segment else { return true }
                if s.expression.terms.isEmpty { return s.bound >= -1e-7 }
                rows.append(s.expression <= s.bound)
                return true
            }
            for (i, (k, _)) in usage[t].enumerated() {
                var changed = i == 0
                for (x, f) in pendingFrees where add(f, -Double(graph.tensors[x].bytes) * memoryScale) { changed = true }
                let outBytes = scaledOutputBytes(k)
                if k == t {
                    fixedPart += outBytes
                } else if add(rerun[t][k]!, outBytes) {
                    changed = true
                }
                if changed {
                    guard close() else { return nil }
                    segment = (freePart, 1 - fixedPart)
                } else {
                    segment!.bound = min(segment!.bound, 1 - fixedPart)
                }
                pendingFrees = k == t ? [] : frees[t][k] ?? []
            }
            guard close() else { return nil }
        }
        for row in rows { restriction.model.add(row) }
        return restriction
    }

    /// The outcome of ``improve(_:neighbourhoods:solver:timeLimit:neighbourhoodTimeLimit:)``.
    struct NeighbourhoodSearch {
        /// The best assignment found: a solution of the program.
        var values: [Double]
        /// Its objective.
        var objective: Double
        /// Neighbourhoods solved, and how many of them lowered the objective.
        var solved = 0
        var improvements = 0
    }

    /// A large neighbourhood search (Shaw 1998): from a solution, each neighbourhood's program
    /// (``restriction(freeing:at:)``) is solved from the current solution, within
    /// `neighbourhoodTimeLimit` seconds, and a cheaper solution replaces it. Neighbourhoods are
    /// taken in order, once each, while time is left.
    ///
    /// - Parameter values: a solution of the program (an incumbent's assignment).
    /// - Returns: the best solution, which satisfies the full program (usage recomputed and every
    ///   row checked).
    /// - Complexity: each neighbourhood costs O(non-zeros of the program) to restrict, plus its
    ///   solve.
    func improve(_ values: [Double], neighbourhoods: [Neighbourhood], solver: any MILPSolver,
                 timeLimit: Double?, neighbourhoodTimeLimit: Double) -> NeighbourhoodSearch {
        let start = ContinuousClock.now
        var search = NeighbourhoodSearch(values: values, objective: model.objective.value(at: values))
        for neighbourhood in neighbourhoods {
            let elapsed = (ContinuousClock.now - start).seconds
            if let timeLimit, elapsed >= timeLimit { break }
            let free = freeVariables(neighbourhood)
            guard free.contains(true), let restriction = restriction(freeing: free, at: search.values) else { continue }
            let limit = min(neighbourhoodTimeLimit, timeLimit.map { max(0.1, $0 - elapsed) } ?? neighbourhoodTimeLimit)
            guard let solution = try? solver.solve(restriction.model, options: SolverOptions(
                      timeLimit: limit, relativeGap: 1e-6, incumbent: restriction.restricted(search.values))),
                  solution.status == .optimal || solution.status == .feasible else { continue }
            search.solved += 1
            var candidate = restriction.expanded(solution.values)
            fillUsage(&candidate)
            let value = model.objective.value(at: candidate)
            guard value < search.objective - 1e-9 * max(1, abs(search.objective)),
                  model.violation(of: candidate, tolerance: 1e-7) == nil else { continue }
            search.values = candidate
            search.objective = value
            search.improvements += 1
        }
        return search
    }

    /// The neighbourhoods the planner searches, in order: groups of `groupSize` consecutive
    /// forward layers (overlapping by half), then windows of consecutive stages freeing at most
    /// about `windowVariables` variables each (at least one stage; overlapping by half).
    func neighbourhoods(groupSize: Int, windowVariables: Int) -> [Neighbourhood] {
        var result: [Neighbourhood] = []
        let forward = graph.layers.indices.filter { graph.layers[$0].phase == .forward }
        if groupSize > 0 {
            var first = 0
            while first < forward.count {
                result.append(.layers(Set(forward[first..<min(forward.count, first + groupSize)])))
                if first + groupSize >= forward.count { break }
                first += max(1, groupSize / 2)
            }
        }
        if windowVariables > 0 {
            let n = rerun.count
            var perStage = [Int](repeating: 0, count: n)
            for t in 0..<n {
                perStage[t] = rerun[t].count + stored[t].count
                for list in frees[t].values { perStage[t] += list.count }
            }
            var first = 0
            while first < n {
                var end = first + 1, size = perStage[first]
                while end < n, size + perStage[end] <= windowVariables { size += perStage[end]; end += 1 }
                result.append(.stages(first..<end))
                if end >= n { break }
                first += max(1, (end - first) / 2)
            }
        }
        return result
    }
}
