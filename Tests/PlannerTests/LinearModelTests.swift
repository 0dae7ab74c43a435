import Testing
@testable import Planner

@Suite("Linear model")
struct LinearModelTests {
    @Test func expressionsMergeTermsAndEvaluate() {
        var m = LinearModel()
        let x = m.addVariable("x"), y = m.addVariable("y")
        let e = 2 * x + 3 * y - 1 * x + 4
        #expect(e.terms == [0: 1, 1: 3])
        #expect(e.constant == 4)
        #expect(e.value(at: [2, 1]) == 2 + 3 + 4)
        #expect(LinearExpression.sum([x, y, x]).terms == [0: 2, 1: 1])
    }

    @Test func violationsAreNamed() {
        var m = LinearModel()
        let x = m.addVariable("x", .integer, lower: 0, upper: 5)
        let b = m.addVariable("b", .binary)
        m.add(x + b <= 4, name: "cap")
        #expect(m.violation(of: [3, 1]) == nil)
        #expect(m.violation(of: [4, 1])?.contains("constraint cap") == true)
        #expect(m.violation(of: [2.5, 0])?.contains("not integral") == true)
        #expect(m.violation(of: [6, 0])?.contains("upper bound") == true)
        #expect(m.violation(of: [1])?.contains("expected 2 values") == true)
    }

    @Test func defectsAreFoundBeforeSolving() {
        var m = LinearModel()
        let x = m.addVariable("x", lower: 3, upper: 1)
        #expect(m.defect()?.contains("lower bound 3.0 above upper bound 1.0") == true)
        var n = LinearModel()
        let y = n.addVariable("y")
        n.add(Double.nan * y <= 1)
        #expect(n.defect()?.contains("coefficient nan") == true)
        _ = x
    }
}

@Suite("Linear relaxation of a model")
struct WithoutIntegralityTests {
    /// A knapsack whose LP optimum is fractional: the relaxation's optimum bounds the integer one.
    @Test func relaxationBoundsTheIntegerOptimum() throws {
        var m = LinearModel()
        let x = (0..<3).map { m.addVariable("x\($0)", .binary) }
        m.add(LinearExpression.sum(x) <= 1.5)
        m.maximize(3 * x[0] + 2 * x[1] + 1 * x[2])
        let integer = try GLPKSolver().solve(m)
        let relaxed = try GLPKSolver().solve(m.withoutIntegrality())
        #expect(integer.objective == 3)
        #expect(abs(relaxed.objective! - 4) < 1e-9)  // x0 = 1, x1 = 0.5
        #expect(m.withoutIntegrality().variables.allSatisfy { $0.domain == .continuous && $0.lower == 0 && $0.upper == 1 })
    }
}

@Suite("Restriction of a model")
struct RestrictionTests {
    /// A small knapsack: fixing one item at a time, the restriction's optimum expanded is a
    /// solution of the whole, with the objective brute force gives for that fixing.
    @Test func restrictionOptimumIsTheBestCompletion() throws {
        let weights = [3.0, 4, 2, 5], values = [4.0, 5, 3, 6]
        var m = LinearModel()
        let x = weights.indices.map { m.addVariable("x\($0)", .binary) }
        var w = LinearExpression(), v = LinearExpression()
        for i in weights.indices { w.add(x[i], coefficient: weights[i]); v.add(x[i], coefficient: values[i]) }
        m.add(w <= 9, name: "capacity")
        m.maximize(v)
        for fixed in weights.indices {
            for value in [0.0, 1.0] {
                var at = [Double](repeating: 0, count: weights.count)
                at[fixed] = value
                let free = weights.indices.map { $0 != fixed }
                let r = try #require(m.restricted(free: free, at: at))
                #expect(r.model.variables.count == 3)
                let s = try GLPKSolver().solve(r.model, options: SolverOptions(timeLimit: 10))
                let full = r.expanded(s.values)
                #expect(full[fixed] == value)
                #expect(m.violation(of: full) == nil)
                // Brute force over the completions of this fixing.
                var best = -Double.infinity
                for mask in 0..<16 where (mask >> fixed) & 1 == Int(value) {
                    let pick = weights.indices.map { Double((mask >> $0) & 1) }
                    if zip(pick, weights).reduce(0, { $0 + $1.0 * $1.1 }) <= 9 { best = max(best, zip(pick, values).reduce(0, { $0 + $1.0 * $1.1 })) }
                }
                #expect(abs(m.objective.value(at: full) - best) < 1e-9)
                #expect(abs((s.objective ?? .nan) - best) < 1e-9)
                #expect(r.restricted(full) == s.values)
            }
        }
    }

    @Test func violatedFixedRowsMakeNoRestriction() {
        var m = LinearModel()
        let a = m.addVariable("a", .binary), b = m.addVariable("b", .binary), c = m.addVariable("c", .binary)
        m.add(a + b <= 1, name: "ab")
        m.add(b + c <= 1, name: "bc")
        // a = b = 1 breaks a row over fixed variables only.
        #expect(m.restricted(free: [false, false, true], at: [1, 1, 0]) == nil)
        // Skipped, it no longer counts; the row with c stays, c's bound follows from b = 1.
        let r = m.restricted(free: [false, false, true], at: [1, 1, 0], skipping: [0])
        #expect(r?.model.constraints.count == 1)
        #expect(r?.model.violation(of: [1]) != nil)
        #expect(r?.model.violation(of: [0]) == nil)
    }
}
