import Testing
@testable import Planner

/// The GLPK backend against hand-solved programs and brute force.
@Suite("GLPK solver")
struct GLPKSolverTests {
    let solver = GLPKSolver()

    @Test func linearProgramOptimum() throws {
        // max 3x + 2y  s.t.  x + y <= 4,  x + 3y <= 6,  x <= 3.  Optimum x = 3, y = 1: 11.
        var m = LinearModel()
        let x = m.addVariable("x", upper: 3), y = m.addVariable("y")
        m.add(x + y <= 4)
        m.add(x + 3 * y <= 6)
        m.maximize(3 * x + 2 * y)
        let s = try solver.solve(m)
        #expect(s.status == .optimal)
        #expect(abs(s.objective! - 11) < 1e-9)
        #expect(abs(s[x] - 3) < 1e-9 && abs(s[y] - 1) < 1e-9)
    }

    /// A random 0/1 knapsack of 10 items and its optimum by enumeration of all 2ⁿ choices.
    static func randomKnapsack(seed: UInt64) -> (model: LinearModel, best: Double) {
        var rng = SplitMix64(seed: seed)
        let n = 10
        let weights = (0..<n).map { _ in Double(rng.next() % 20 + 1) }
        let values = (0..<n).map { _ in Double(rng.next() % 30 + 1) }
        let capacity = weights.reduce(0, +) / 2
        var m = LinearModel()
        let x = (0..<n).map { m.addVariable("x\($0)", .binary) }
        var weight = LinearExpression(), value = LinearExpression()
        for i in 0..<n { weight.add(x[i], coefficient: weights[i]); value.add(x[i], coefficient: values[i]) }
        m.add(weight <= capacity)
        m.maximize(value)
        var best = 0.0
        for mask in 0..<(1 << n) {
            var w = 0.0, v = 0.0
            for i in 0..<n where mask & (1 << i) != 0 { w += weights[i]; v += values[i] }
            if w <= capacity { best = max(best, v) }
        }
        return (m, best)
    }

    /// Random 0/1 knapsacks against enumeration of all 2ⁿ choices.
    @Test(arguments: 0..<25)
    func knapsackEqualsBruteForce(seed: Int) throws {
        let (m, best) = Self.randomKnapsack(seed: UInt64(seed))
        let s = try solver.solve(m)
        #expect(s.status == .optimal)
        #expect(abs(s.objective! - best) < 1e-6)
        #expect(m.violation(of: s.values) == nil)
    }

    @Test func infeasibleAndUnbounded() throws {
        var m = LinearModel()
        let x = m.addVariable("x", .integer, lower: 0, upper: 10)
        m.add(2 * x == 3)  // no integer solution; the relaxation has x = 1.5
        m.minimize(LinearExpression(x))
        #expect(try solver.solve(m).status == .infeasible)

        var lp = LinearModel()
        let y = lp.addVariable("y")
        lp.add(y >= 5)
        lp.add(y <= 4)
        lp.minimize(LinearExpression(y))
        #expect(try solver.solve(lp).status == .infeasible)

        var u = LinearModel()
        let z = u.addVariable("z", .integer)
        u.maximize(LinearExpression(z))
        #expect(try solver.solve(u).status == .unbounded)
    }

    @Test func invalidModelsAreErrorsNotAborts() {
        var m = LinearModel()
        let x = m.addVariable("x", lower: 2, upper: 1)
        m.minimize(LinearExpression(x))
        #expect(throws: SolverError.self) { try solver.solve(m) }
        var n = LinearModel()
        let y = n.addVariable("y")
        n.add(LinearExpression(y) <= .infinity)
        #expect(throws: SolverError.self) { try solver.solve(n) }
        #expect(throws: SolverError.self) { try solver.solve(m, options: SolverOptions(timeLimit: -1)) }
    }

    /// A fixed 0/1 knapsack of 12 items, capacity 20.
    static func twelveItemKnapsack() -> LinearModel {
        var m = LinearModel()
        let x = (0..<12).map { m.addVariable("x\($0)", .binary) }
        var w = LinearExpression(), v = LinearExpression()
        for i in 0..<12 { w.add(x[i], coefficient: Double(i % 5 + 3)); v.add(x[i], coefficient: Double((i * 7) % 11 + 1)) }
        m.add(w <= 20)
        m.maximize(v)
        return m
    }

    @Test func warmStartIsUsedAndResultIsNoWorse() throws {
        let m = Self.twelveItemKnapsack()
        let start = [Double](repeating: 0, count: 12)
        let s = try solver.solve(m, options: SolverOptions(incumbent: start))
        let cold = try solver.solve(m)
        #expect(s.status == .optimal && abs(s.objective! - cold.objective!) < 1e-9)
        // An infeasible "incumbent" is ignored rather than trusted.
        let bogus = [Double](repeating: 1, count: 12)
        #expect(try solver.solve(m, options: SolverOptions(incumbent: bogus)).objective == cold.objective)
    }

    /// With (almost) no time left after the relaxation, the solver stops with the relaxation's
    /// bound and the incumbent it was given, rather than running past the limit.
    @Test func stopsAfterTheRelaxationWhenTimeIsUp() throws {
        let m = Self.twelveItemKnapsack()
        let start = [Double](repeating: 0, count: 12)
        let s = try solver.solve(m, options: SolverOptions(timeLimit: 1e-9, incumbent: start))
        #expect(s.status == .feasible && s.objective == 0 && s.values == start)
        let optimum = try solver.solve(m).objective!
        #expect(s.bound! >= optimum - 1e-9)  // an upper bound for a maximization
        let none = try solver.solve(m, options: SolverOptions(timeLimit: 1e-9))
        #expect(none.status == .noSolutionFound && none.bound != nil)
    }

    /// With integer coefficients on integer variables every objective value is an integer, so the
    /// relaxation's bound 2.5 proves the incumbent 3 optimal; with 1.5 the bound stays fractional.
    @Test func integralObjectiveRoundsTheBound() throws {
        func model(_ c: Double) -> LinearModel {
            var m = LinearModel()
            let x = m.addVariable("x", .integer, upper: 5), y = m.addVariable("y", .integer, upper: 5)
            m.add(2 * x + 2 * y >= 5)
            m.minimize(c * x + c * y)
            return m
        }
        #expect(model(1).objectiveIsIntegral && !model(1.5).objectiveIsIntegral)
        let proven = try solver.solve(model(1), options: SolverOptions(timeLimit: 1e-9, incumbent: [3, 0]))
        #expect(proven.status == .optimal && proven.bound == 3 && proven.objective == 3)
        let open = try solver.solve(model(1.5), options: SolverOptions(timeLimit: 1e-9, incumbent: [3, 0]))
        #expect(open.status == .feasible && abs(open.bound! - 3.75) < 1e-9)
    }

    @Test func modelWithoutVariables() throws {
        var m = LinearModel()
        m.minimize(LinearExpression(constant: 7))
        let s = try solver.solve(m)
        #expect(s.status == .optimal && s.objective == 7)
    }
}
