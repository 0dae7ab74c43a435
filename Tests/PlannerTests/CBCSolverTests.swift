import Graph
import Testing
@testable import Planner

/// The optional CBC backend: where it is installed, the same optima as brute force and as GLPK on
/// the same formulations; where it is not, an error that says how to install it.
@Suite("CBC solver")
struct CBCSolverTests {
    let solver = CBCSolver()

    @Test func missingLibraryErrorSaysHowToInstall() throws {
        guard !CBCSolver.isAvailable else { return }  // checked by the tests below instead
        var m = LinearModel()
        let x = m.addVariable("x", .binary)
        m.maximize(LinearExpression(x))
        #expect { try solver.solve(m) } throws: { error in
            "\(error)".contains("apt-get install coinor-libcbc-dev")
        }
    }

    @Test func linearProgramOptimum() throws {
        guard CBCSolver.isAvailable else { return }
        var m = LinearModel()
        let x = m.addVariable("x", upper: 3), y = m.addVariable("y")
        m.add(x + y <= 4)
        m.add(x + 3 * y <= 6)
        m.maximize(3 * x + 2 * y + 1)  // the constant is CBC-free: added back
        let s = try solver.solve(m)
        #expect(s.status == .optimal && abs(s.objective! - 12) < 1e-9)
        #expect(abs(s[x] - 3) < 1e-7 && abs(s[y] - 1) < 1e-7)
    }

    /// Random 0/1 knapsacks against enumeration of all 2ⁿ choices, and against GLPK.
    @Test(arguments: 0..<15)
    func knapsackEqualsBruteForceAndGLPK(seed: Int) throws {
        guard CBCSolver.isAvailable else { return }
        let (m, best) = GLPKSolverTests.randomKnapsack(seed: UInt64(seed) &+ 99)
        let s = try solver.solve(m)
        #expect(s.status == .optimal && abs(s.objective! - best) < 1e-6)
        #expect(m.violation(of: s.values) == nil)
        #expect(abs(try GLPKSolver().solve(m).objective! - s.objective!) < 1e-6)
    }

    @Test func infeasibleUnboundedAndWarmStart() throws {
        guard CBCSolver.isAvailable else { return }
        var m = LinearModel()
        let x = m.addVariable("x", .integer, lower: 0, upper: 10)
        m.add(2 * x == 3)
        m.minimize(LinearExpression(x))
        #expect(try solver.solve(m).status == .infeasible)
        var u = LinearModel()
        let z = u.addVariable("z", .integer)
        u.add(LinearExpression(z) >= 0)
        u.maximize(LinearExpression(z))
        #expect(try solver.solve(u).status == .unbounded)
        let k = GLPKSolverTests.twelveItemKnapsack()
        let cold = try solver.solve(k)
        let warm = try solver.solve(k, options: SolverOptions(incumbent: [Double](repeating: 0, count: 12)))
        #expect(cold.status == .optimal && warm.objective == cold.objective)
    }

    /// The checkpointing program of small random training chains at a tight budget: both
    /// backends prove the same optimum, and CBC's plan replays within the budget.
    @Test(arguments: [UInt64(1), 2, 3, 4])
    func checkpointingOptimumEqualsGLPK(seed: UInt64) throws {
        guard CBCSolver.isAvailable else { return }
        let g = try RandomGraphs.trainingChain(length: 5, seed: seed)
        let costs = try LayerCosts.make(for: g)
        let peak = try Baselines.checkpointAll(g, costs: costs).simulation.peakBytes
        let minimum = CheckpointPlanner.minimumFeasibleBudget(g, costs: costs, options: ILPOptions(), start: .now)
        let budget = minimum + (peak - minimum) / 3
        let glpk = try CheckpointPlanner.plan(g, costs: costs, budget: budget, solver: .ilp, options: ILPOptions(timeLimit: 60))
        let cbc = try CheckpointPlanner.plan(g, costs: costs, budget: budget, solver: .ilp, options: ILPOptions(timeLimit: 60, solver: CBCSolver()))
        #expect(glpk.plan.summary?.status == "optimal" && cbc.plan.summary?.status == "optimal")
        #expect(abs(glpk.simulation.computeCost - cbc.simulation.computeCost) <= 1e-9 * glpk.simulation.computeCost)
        #expect(cbc.simulation.peakBytes <= budget)
    }
}
