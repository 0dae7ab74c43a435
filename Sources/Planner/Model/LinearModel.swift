/// A mixed-integer linear program, built in code and independent of any solver.
///
/// ```swift
/// var m = LinearModel()
/// let x = m.addVariable("x", .integer, lower: 0, upper: 10)
/// let y = m.addVariable("y", .binary)
/// m.add(3 * x + 2 * y <= 12)
/// m.maximize(2 * x + 5 * y)
/// let solution = try GLPKSolver().solve(m)
/// ```
public struct LinearModel: Sendable {
    /// What values a variable may take.
    public enum Domain: Sendable, Hashable {
        case continuous, integer, binary
    }

    /// Whether the objective is minimized or maximized.
    public enum Sense: Sendable, Hashable {
        case minimize, maximize
    }

    /// One variable: its name (for messages), domain and bounds (`nil`: unbounded).
    public struct VariableInfo: Sendable, Hashable {
        public var name: String
        public var domain: Domain
        public var lower: Double?
        public var upper: Double?
    }

    public private(set) var variables: [VariableInfo] = []
    public private(set) var constraints: [LinearConstraint] = []
    public private(set) var constraintNames: [String] = []
    public private(set) var objective = LinearExpression()
    public private(set) var sense = Sense.minimize

    /// Whether every solution's objective is an integer: integer coefficients on integer
    /// variables, none on continuous ones, an integer constant. A solver may then round a
    /// fractional bound to the next integer (up when minimizing) and it stays proven.
    public var objectiveIsIntegral: Bool {
        func integral(_ x: Double) -> Bool { x.isFinite && x == x.rounded() }
        guard integral(objective.constant) else { return false }
        return objective.terms.allSatisfy { v, c in variables[v].domain != .continuous && integral(c) }
    }

    public init() {}

    /// Adds a variable. Binary variables have bounds 0 and 1 whatever is given.
    @discardableResult
    public mutating func addVariable(_ name: String, _ domain: Domain = .continuous, lower: Double? = 0, upper: Double? = nil) -> Variable {
        let (lo, up) = domain == .binary ? (0.0, 1.0) : (lower, upper)
        variables.append(VariableInfo(name: name, domain: domain, lower: lo, upper: up))
        return Variable(index: variables.count - 1)
    }

    /// Adds a constraint.
    public mutating func add(_ constraint: LinearConstraint, name: String = "") {
        constraints.append(constraint)
        constraintNames.append(name.isEmpty ? "c\(constraints.count - 1)" : name)
    }

    public mutating func minimize(_ e: LinearExpression) {
        objective = e
        sense = .minimize
    }

    public mutating func maximize(_ e: LinearExpression) {
        objective = e
        sense = .maximize
    }

    /// The same program with every integer and binary variable continuous within its bounds
    /// (binaries in [0, 1]): its optimum bounds the original's.
    public func withoutIntegrality() -> LinearModel {
        var relaxed = self
        relaxed.variables = variables.map { v in
            var c = v
            c.domain = .continuous
            return c
        }
        return relaxed
    }

    /// The first reason an assignment is not a feasible solution, or `nil` if it is one.
    /// - Complexity: O(number of non-zero coefficients).
    public func violation(of values: [Double], tolerance: Double = 1e-6) -> String? {
        guard values.count == variables.count else { return "expected \(variables.count) values, got \(values.count)" }
        for (i, v) in variables.enumerated() {
            let x = values[i]
            guard x.isFinite else { return "\(v.name) = \(x) is not finite" }
            if let lo = v.lower, x < lo - tolerance { return "\(v.name) = \(x) is below its lower bound \(lo)" }
            if let up = v.upper, x > up + tolerance { return "\(v.name) = \(x) is above its upper bound \(up)" }
            if v.domain != .continuous, abs(x - x.rounded()) > tolerance { return "\(v.name) = \(x) is not integral" }
        }
        for (k, c) in constraints.enumerated() where !c.isSatisfied(by: values, tolerance: tolerance) {
            return "constraint \(constraintNames[k]) is violated: value \(c.expression.value(at: values)), bounds [\(c.lower.map { "\($0)" } ?? "-inf"), \(c.upper.map { "\($0)" } ?? "inf")]"
        }
        return nil
    }

    /// The first defect that makes the model unsolvable as written (a non-finite coefficient or
    /// bound, crossed bounds, an unknown variable), or `nil`.
    public func defect() -> String? {
        for v in variables {
            if let lo = v.lower, !lo.isFinite { return "variable \(v.name) has lower bound \(lo)" }
            if let up = v.upper, !up.isFinite { return "variable \(v.name) has upper bound \(up)" }
            if let lo = v.lower, let up = v.upper, lo > up { return "variable \(v.name) has lower bound \(lo) above upper bound \(up)" }
        }
        func check(_ e: LinearExpression, _ what: String) -> String? {
            if !e.constant.isFinite { return "\(what) has constant \(e.constant)" }
            for (v, c) in e.terms {
                guard v >= 0, v < variables.count else { return "\(what) uses variable #\(v), which this model does not have" }
                if !c.isFinite { return "\(what) has coefficient \(c) on \(variables[v].name)" }
            }
            return nil
        }
        if let d = check(objective, "the objective") { return d }
        for (k, c) in constraints.enumerated() {
            if let d = check(c.expression, "constraint \(constraintNames[k])") { return d }
            if let lo = c.lower, !lo.isFinite { return "constraint \(constraintNames[k]) has lower bound \(lo)" }
            if let up = c.upper, !up.isFinite { return "constraint \(constraintNames[k]) has upper bound \(up)" }
            if let lo = c.lower, let up = c.upper, lo > up { return "constraint \(constraintNames[k]) has lower bound \(lo) above upper bound \(up)" }
        }
        return nil
    }
}
