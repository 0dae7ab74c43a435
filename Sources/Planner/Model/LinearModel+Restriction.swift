extension LinearModel {
    /// A program with some variables fixed: the original's variables that stay free, the
    /// constraints that still involve one of them, and the fixed part of every expression moved
    /// into its constant.
    public struct Restriction: Sendable {
        /// The restricted program (variables in the original's order, free ones only).
        public var model: LinearModel
        /// The original index of each of its variables.
        public var original: [Int]
        /// Every original variable's value, the fixed ones as given.
        public var fixedValues: [Double]

        /// A full assignment of the original program: the fixed values, and `values` (one per
        /// variable of the restriction) for the free ones.
        public func expanded(_ values: [Double]) -> [Double] {
            precondition(values.count == original.count, "expected \(original.count) values, got \(values.count)")
            var full = fixedValues
            for (k, j) in original.enumerated() { full[j] = values[k] }
            return full
        }

        /// The restriction's part of a full assignment.
        public func restricted(_ values: [Double]) -> [Double] { original.map { values[$0] } }
    }

    /// The program with every variable j where `free[j]` is false fixed at `values[j]`: what a
    /// large neighbourhood search solves (Shaw 1998; Danna, Rothberg and Le Pape's RINS fixes
    /// variables the same way). Every solution of the restriction, expanded, is a solution of
    /// this program with the same objective.
    ///
    /// - Returns: `nil` when a constraint over fixed variables alone is violated (beyond
    ///   `tolerance`): no choice of the free ones can satisfy it.
    /// - Complexity: O(variables + non-zero coefficients).
    public func restricted(free: [Bool], at values: [Double], skipping skipped: Set<Int> = [], tolerance: Double = 1e-6) -> Restriction? {
        precondition(free.count == variables.count && values.count == variables.count,
                     "restriction of \(variables.count) variables given \(free.count) flags and \(values.count) values")
        var reduced = LinearModel()
        var newIndex = [Int](repeating: -1, count: variables.count)
        var original: [Int] = []
        for (j, v) in variables.enumerated() where free[j] {
            newIndex[j] = reduced.addVariable(v.name, v.domain, lower: v.lower, upper: v.upper).index
            original.append(j)
        }
        func substitute(_ e: LinearExpression) -> LinearExpression {
            var r = LinearExpression(constant: e.constant)
            for (j, c) in e.terms {
                if newIndex[j] >= 0 { r.add(Variable(index: newIndex[j]), coefficient: c) } else { r.constant += c * values[j] }
            }
            return r
        }
        for (k, c) in constraints.enumerated() where !skipped.contains(k) {
            let e = substitute(c.expression)
            if e.terms.isEmpty {
                if let lo = c.lower, e.constant < lo - tolerance { return nil }
                if let up = c.upper, e.constant > up + tolerance { return nil }
                continue
            }
            reduced.add(LinearConstraint(e, lower: c.lower, upper: c.upper), name: constraintNames[k])
        }
        let objective = substitute(self.objective)
        if sense == .minimize { reduced.minimize(objective) } else { reduced.maximize(objective) }
        return Restriction(model: reduced, original: original, fixedValues: values)
    }
}
