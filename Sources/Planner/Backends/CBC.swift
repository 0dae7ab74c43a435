#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// The one file that calls COIN-OR CBC, through its C interface (Cbc_C_Interface.h). CBC is an
// optional backend: the library is opened at run time (dlopen), so the package builds and runs
// without it, and asking for it where it is missing is an error that says how to install it.
// Every argument is checked in Swift before a call (`CBCSolver` validates the model first).

/// The functions of libCbcSolver this package uses, resolved once per process.
struct CBCLibrary: @unchecked Sendable {
    typealias Model = OpaquePointer
    let newModel: @convention(c) () -> Model?
    let deleteModel: @convention(c) (Model) -> Void
    // numcols, numrows, start, index, value, collb, colub, obj, rowlb, rowub (CoinBigIndex = int)
    let loadProblem: @convention(c) (Model, Int32, Int32, UnsafePointer<Int32>, UnsafePointer<Int32>, UnsafePointer<Double>,
                                     UnsafePointer<Double>, UnsafePointer<Double>, UnsafePointer<Double>,
                                     UnsafePointer<Double>, UnsafePointer<Double>) -> Void
    let setInteger: @convention(c) (Model, Int32) -> Void
    let setObjSense: @convention(c) (Model, Double) -> Void
    let setMaximumSeconds: @convention(c) (Model, Double) -> Void
    let setAllowableFractionGap: @convention(c) (Model, Double) -> Void
    let setLogLevel: @convention(c) (Model, Int32) -> Void
    let setMIPStartI: @convention(c) (Model, Int32, UnsafePointer<Int32>, UnsafePointer<Double>) -> Void
    let solve: @convention(c) (Model) -> Int32
    let bestSolution: @convention(c) (Model) -> UnsafePointer<Double>?
    let getColSolution: @convention(c) (Model) -> UnsafePointer<Double>?
    let getObjValue: @convention(c) (Model) -> Double
    let getBestPossibleObjValue: @convention(c) (Model) -> Double
    let isProvenOptimal: @convention(c) (Model) -> Int32
    let isProvenInfeasible: @convention(c) (Model) -> Int32
    let isContinuousUnbounded: @convention(c) (Model) -> Int32
    let getVersion: @convention(c) () -> UnsafePointer<CChar>?

    /// How to get CBC, for the error when it is missing.
    static let installHint = "COIN-OR CBC is not installed: on Debian or Ubuntu run `apt-get install coinor-libcbc-dev` (or coinor-libcbc3), then retry; GLPK, the default backend, needs nothing more"

    /// The library, or why it could not be opened.
    static let shared: Result<CBCLibrary, SolverError> = load()

    private static func load() -> Result<CBCLibrary, SolverError> {
        var handle: UnsafeMutableRawPointer?
        for name in ["libCbcSolver.so.3", "libCbcSolver.so", "libCbcSolver.dylib"] {
            handle = dlopen(name, RTLD_NOW | RTLD_LOCAL)
            if handle != nil { break }
        }
        guard let handle else { return .failure(.backend(installHint)) }
        func symbol<T>(_ name: String, as type: T.Type) -> T? {
            guard let p = dlsym(handle, name) else { return nil }
            return unsafeBitCast(p, to: type)
        }
        guard let newModel = symbol("Cbc_newModel", as: (@convention(c) () -> Model?).self),
              let deleteModel = symbol("Cbc_deleteModel", as: (@convention(c) (Model) -> Void).self),
              let loadProblem = symbol("Cbc_loadProblem", as: (@convention(c) (Model, Int32, Int32, UnsafePointer<Int32>, UnsafePointer<Int32>,
                                                                                  UnsafePointer<Double>, UnsafePointer<Double>, UnsafePointer<Double>,
                                                                                  UnsafePointer<Double>, UnsafePointer<Double>, UnsafePointer<Double>) -> Void).self),
              let setInteger = symbol("Cbc_setInteger", as: (@convention(c) (Model, Int32) -> Void).self),
              let setObjSense = symbol("Cbc_setObjSense", as: (@convention(c) (Model, Double) -> Void).self),
              let setMaximumSeconds = symbol("Cbc_setMaximumSeconds", as: (@convention(c) (Model, Double) -> Void).self),
              let setAllowableFractionGap = symbol("Cbc_setAllowableFractionGap", as: (@convention(c) (Model, Double) -> Void).self),
              let setLogLevel = symbol("Cbc_setLogLevel", as: (@convention(c) (Model, Int32) -> Void).self),
              let setMIPStartI = symbol("Cbc_setMIPStartI", as: (@convention(c) (Model, Int32, UnsafePointer<Int32>, UnsafePointer<Double>) -> Void).self),
              let solve = symbol("Cbc_solve", as: (@convention(c) (Model) -> Int32).self),
              let bestSolution = symbol("Cbc_bestSolution", as: (@convention(c) (Model) -> UnsafePointer<Double>?).self),
              let getColSolution = symbol("Cbc_getColSolution", as: (@convention(c) (Model) -> UnsafePointer<Double>?).self),
              let getObjValue = symbol("Cbc_getObjValue", as: (@convention(c) (Model) -> Double).self),
              let getBestPossibleObjValue = symbol("Cbc_getBestPossibleObjValue", as: (@convention(c) (Model) -> Double).self),
              let isProvenOptimal = symbol("Cbc_isProvenOptimal", as: (@convention(c) (Model) -> Int32).self),
              let isProvenInfeasible = symbol("Cbc_isProvenInfeasible", as: (@convention(c) (Model) -> Int32).self),
              let isContinuousUnbounded = symbol("Cbc_isContinuousUnbounded", as: (@convention(c) (Model) -> Int32).self),
              let getVersion = symbol("Cbc_getVersion", as: (@convention(c) () -> UnsafePointer<CChar>?).self)
        else {
            return .failure(.backend("the COIN-OR CBC library found lacks functions of its C interface (Cbc_C_Interface.h, CBC 2.10 or later needed)"))
        }
        return .success(CBCLibrary(newModel: newModel, deleteModel: deleteModel, loadProblem: loadProblem, setInteger: setInteger,
                                   setObjSense: setObjSense, setMaximumSeconds: setMaximumSeconds,
                                   setAllowableFractionGap: setAllowableFractionGap, setLogLevel: setLogLevel,
                                   setMIPStartI: setMIPStartI, solve: solve, bestSolution: bestSolution, getColSolution: getColSolution,
                                   getObjValue: getObjValue,
                                   getBestPossibleObjValue: getBestPossibleObjValue, isProvenOptimal: isProvenOptimal,
                                   isProvenInfeasible: isProvenInfeasible, isContinuousUnbounded: isContinuousUnbounded,
                                   getVersion: getVersion))
    }
}

/// Owns one `Cbc_Model`; deletes it when released. Not shared across threads.
final class CBCProblem {
    private let library: CBCLibrary
    private let model: OpaquePointer
    let columnCount: Int32

    /// A problem from a column-major matrix; bounds use ±`Double.greatestFiniteMagnitude` for none.
    init(library: CBCLibrary, columnStarts: [Int32], rowIndices: [Int32], values: [Double],
         columnLower: [Double], columnUpper: [Double], objective: [Double], rowLower: [Double], rowUpper: [Double]) throws(SolverError) {
        let n = objective.count, m = rowLower.count
        precondition(columnStarts.count == n + 1 && columnLower.count == n && columnUpper.count == n && rowUpper.count == m)
        precondition(rowIndices.count == values.count && Int(columnStarts.last!) == values.count)
        precondition(rowIndices.allSatisfy { $0 >= 0 && Int($0) < m })
        guard let model = library.newModel() else { throw .backend("CBC could not create a model") }
        self.library = library
        self.model = model
        self.columnCount = Int32(n)
        // CBC reads the arrays during the call; empty arrays still need valid pointers.
        let safe: ([Double]) -> [Double] = { $0.isEmpty ? [0] : $0 }
        let safeInt: ([Int32]) -> [Int32] = { $0.isEmpty ? [0] : $0 }
        let (ri, v, rl, ru) = (safeInt(rowIndices), safe(values), safe(rowLower), safe(rowUpper))
        library.loadProblem(model, Int32(n), Int32(m), columnStarts, ri, v, columnLower, columnUpper, objective, rl, ru)
        library.setLogLevel(model, 0)
    }

    deinit { library.deleteModel(model) }

    func setInteger(_ column: Int32) {
        precondition(column >= 0 && column < columnCount)
        library.setInteger(model, column)
    }

    func setMaximize(_ maximize: Bool) { library.setObjSense(model, maximize ? -1 : 1) }

    func setTimeLimit(_ seconds: Double) {
        precondition(seconds > 0 && seconds.isFinite)
        library.setMaximumSeconds(model, seconds)
    }

    func setRelativeGap(_ gap: Double) {
        precondition(gap >= 0 && gap.isFinite)
        library.setAllowableFractionGap(model, gap)
    }

    /// A full starting solution (one value per column).
    func setStart(_ values: [Double]) {
        precondition(values.count == Int(columnCount))
        let indices = (0..<columnCount).map { $0 }
        library.setMIPStartI(model, columnCount, indices, values)
    }

    func solve() -> Int32 { library.solve(model) }

    var isProvenOptimal: Bool { library.isProvenOptimal(model) != 0 }
    var isProvenInfeasible: Bool { library.isProvenInfeasible(model) != 0 }
    var isContinuousUnbounded: Bool { library.isContinuousUnbounded(model) != 0 }
    var objective: Double { library.getObjValue(model) }
    var bound: Double { library.getBestPossibleObjValue(model) }

    /// The best integer-feasible solution, if any.
    var bestSolution: [Double]? {
        guard let p = library.bestSolution(model) else { return nil }
        return Array(UnsafeBufferPointer(start: p, count: Int(columnCount)))
    }

    /// The column values of the last solve (a linear program's optimum).
    var columnSolution: [Double]? {
        guard let p = library.getColSolution(model) else { return nil }
        return Array(UnsafeBufferPointer(start: p, count: Int(columnCount)))
    }

    static var version: String? {
        guard case .success(let library) = CBCLibrary.shared, let p = library.getVersion() else { return nil }
        return String(cString: p)
    }
}
