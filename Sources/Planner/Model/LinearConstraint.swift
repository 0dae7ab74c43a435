/// A linear constraint `lower ≤ expression ≤ upper`; a missing side is unbounded.
///
/// The expression's constant is folded into the bounds when a backend loads the row.
public struct LinearConstraint: Sendable, Hashable {
    public var expression: LinearExpression
    public var lower: Double?
    public var upper: Double?

    public init(_ expression: LinearExpression, lower: Double? = nil, upper: Double? = nil) {
        self.expression = expression
        self.lower = lower
        self.upper = upper
    }

    /// Whether an assignment satisfies the constraint within an absolute tolerance.
    public func isSatisfied(by values: [Double], tolerance: Double = 1e-6) -> Bool {
        let v = expression.value(at: values)
        if let lower, v < lower - tolerance { return false }
        if let upper, v > upper + tolerance { return false }
        return true
    }
}

public func <= (e: LinearExpression, c: Double) -> LinearConstraint { LinearConstraint(e, upper: c) }
public func >= (e: LinearExpression, c: Double) -> LinearConstraint { LinearConstraint(e, lower: c) }
public func == (e: LinearExpression, c: Double) -> LinearConstraint { LinearConstraint(e, lower: c, upper: c) }
public func <= (a: LinearExpression, b: LinearExpression) -> LinearConstraint { (a - b) <= 0 }
public func >= (a: LinearExpression, b: LinearExpression) -> LinearConstraint { (a - b) >= 0 }
public func <= (v: Variable, c: Double) -> LinearConstraint { LinearExpression(v) <= c }
public func >= (v: Variable, c: Double) -> LinearConstraint { LinearExpression(v) >= c }
public func <= (v: Variable, e: LinearExpression) -> LinearConstraint { LinearExpression(v) <= e }
public func >= (v: Variable, e: LinearExpression) -> LinearConstraint { LinearExpression(v) >= e }
public func <= (a: Variable, b: Variable) -> LinearConstraint { LinearExpression(a) <= LinearExpression(b) }
