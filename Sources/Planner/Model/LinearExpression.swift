/// A decision variable of a ``LinearModel``: an index into its variables.
public struct Variable: Hashable, Sendable {
    /// Position in ``LinearModel/variables``.
    public let index: Int
}

/// An affine expression Σ cᵢ·xᵢ + constant.
///
/// Terms are kept merged by variable, so a constraint built from an expression never names a
/// variable twice (a backend may rely on it: GLPK aborts on duplicate matrix entries).
public struct LinearExpression: Sendable, Hashable {
    /// Coefficient of each variable that appears, by variable index.
    public private(set) var terms: [Int: Double]
    /// The constant part.
    public var constant: Double

    public init(constant: Double = 0) {
        terms = [:]
        self.constant = constant
    }

    public init(_ variable: Variable, coefficient: Double = 1) {
        terms = [variable.index: coefficient]
        constant = 0
    }

    /// Adds `coefficient · variable`.
    public mutating func add(_ variable: Variable, coefficient: Double = 1) {
        terms[variable.index, default: 0] += coefficient
    }

    /// Adds another expression.
    public mutating func add(_ other: LinearExpression, scale: Double = 1) {
        for (v, c) in other.terms { terms[v, default: 0] += scale * c }
        constant += scale * other.constant
    }

    /// The sum of the variables, each with coefficient 1.
    public static func sum(_ variables: some Sequence<Variable>) -> LinearExpression {
        var e = LinearExpression()
        for v in variables { e.add(v) }
        return e
    }

    /// The value at an assignment of every variable (by index).
    public func value(at values: [Double]) -> Double {
        var s = constant
        for (v, c) in terms { s += c * values[v] }
        return s
    }

    /// The terms with a non-zero coefficient, by ascending variable index.
    public var sortedTerms: [(variable: Int, coefficient: Double)] {
        terms.filter { $0.value != 0 }.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }
}

// MARK: - Arithmetic, so that formulations read like their math.

public func * (c: Double, v: Variable) -> LinearExpression { LinearExpression(v, coefficient: c) }
public func * (v: Variable, c: Double) -> LinearExpression { LinearExpression(v, coefficient: c) }
public func * (c: Double, e: LinearExpression) -> LinearExpression { var r = LinearExpression(); r.add(e, scale: c); return r }
public func + (a: LinearExpression, b: LinearExpression) -> LinearExpression { var r = a; r.add(b); return r }
public func + (a: LinearExpression, v: Variable) -> LinearExpression { var r = a; r.add(v); return r }
public func + (v: Variable, a: LinearExpression) -> LinearExpression { var r = a; r.add(v); return r }
public func + (a: Variable, b: Variable) -> LinearExpression { var r = LinearExpression(a); r.add(b); return r }
public func + (a: LinearExpression, c: Double) -> LinearExpression { var r = a; r.constant += c; return r }
public func - (a: LinearExpression, b: LinearExpression) -> LinearExpression { var r = a; r.add(b, scale: -1); return r }
public func - (a: LinearExpression, v: Variable) -> LinearExpression { var r = a; r.add(v, coefficient: -1); return r }
public func - (a: Variable, b: Variable) -> LinearExpression { var r = LinearExpression(a); r.add(b, coefficient: -1); return r }
public func - (a: LinearExpression, c: Double) -> LinearExpression { var r = a; r.constant -= c; return r }
public func += (a: inout LinearExpression, b: LinearExpression) { a.add(b) }
public func += (a: inout LinearExpression, v: Variable) { a.add(v) }
public func -= (a: inout LinearExpression, b: LinearExpression) { a.add(b, scale: -1) }
