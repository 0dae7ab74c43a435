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
