import CGLPK

// The one file that calls GLPK. GLPK calls abort() on invalid arguments (an index out of range,
// a duplicate matrix entry, a bad parameter value), so every wrapper below checks its arguments
// in Swift first and traps with a message instead — a programming error in this module, never a
// reachable state from user input, which `GLPKSolver` validates beforehand.

/// Owns one `glp_prob`; frees it when released. Not thread-safe: GLPK's environment is
/// thread-local, so a problem must stay on the thread that made it.
final class GLPKProblem {
    private let problem: OpaquePointer
    private(set) var rowCount: Int32 = 0
    private(set) var columnCount: Int32 = 0

    init() {
        _ = glp_term_out(GLP_OFF)  // scaling and basis construction print unless told not to
        problem = glp_create_prob()
    }

    deinit {
        glp_delete_prob(problem)
    }

    /// A solution status (`glp_get_status`, `glp_mip_status`).
    enum Status: Equatable {
        case optimal, feasible, infeasible, unbounded, undefined

        init(_ code: Int32) {
            switch code {
            case GLP_OPT: self = .optimal
            case GLP_FEAS: self = .feasible
            case GLP_NOFEAS: self = .infeasible  // proven: no feasible solution
            case GLP_INFEAS: self = .undefined   // only the current basis is infeasible (stopped early)
            case GLP_UNBND: self = .unbounded
            default: self = .undefined
            }
        }
    }

    /// What a solver call returned.
    enum ReturnCode: Equatable, CustomStringConvertible {
        case ok, timeLimit, gapReached, stopped, failed(Int32)

        init(_ code: Int32) {
            switch code {
            case 0: self = .ok
            case GLP_ETMLIM: self = .timeLimit
            case GLP_EMIPGAP: self = .gapReached
            case GLP_ESTOP: self = .stopped
            default: self = .failed(code)
            }
        }

        var description: String {
            switch self {
            case .ok: "ok"
            case .timeLimit: "time limit"
            case .gapReached: "gap reached"
            case .stopped: "stopped"
            case .failed(let c): "GLPK error code \(c)"
            }
        }
    }

    enum Bounds {
        case free, lower(Double), upper(Double), range(Double, Double), fixed(Double)

        init(lower: Double?, upper: Double?) {
            switch (lower, upper) {
            case (nil, nil): self = .free
            case (let l?, nil): self = .lower(l)
            case (nil, let u?): self = .upper(u)
            case (let l?, let u?): self = l == u ? .fixed(l) : .range(l, u)
            }
        }

        var glpk: (Int32, Double, Double) {
            switch self {
            case .free: (GLP_FR, 0, 0)
            case .lower(let l): (GLP_LO, l, 0)
            case .upper(let u): (GLP_UP, 0, u)
            case .range(let l, let u): (GLP_DB, l, u)
            case .fixed(let v): (GLP_FX, v, v)
            }
        }
    }

    func setMaximize(_ maximize: Bool) {
        glp_set_obj_dir(problem, maximize ? GLP_MAX : GLP_MIN)
    }

    func addColumns(_ n: Int) {
        precondition(n > 0 && n < Int(Int32.max - columnCount))
        glp_add_cols(problem, Int32(n))
        columnCount += Int32(n)
    }

    func addRows(_ n: Int) {
        precondition(n > 0 && n < Int(Int32.max - rowCount))
        glp_add_rows(problem, Int32(n))
        rowCount += Int32(n)
    }

    /// Column `j` is 1-based.
    func setColumn(_ j: Int32, bounds: Bounds, integer: Bool, objective: Double) {
        precondition(j >= 1 && j <= columnCount, "GLPK column \(j) out of range")
        let (type, lo, up) = bounds.glpk
        precondition(lo.isFinite && up.isFinite && (type != GLP_DB || lo < up))
        glp_set_col_bnds(problem, j, type, lo, up)
        glp_set_col_kind(problem, j, integer ? GLP_IV : GLP_CV)
        precondition(objective.isFinite)
        glp_set_obj_coef(problem, j, objective)
    }

    func setObjectiveConstant(_ c: Double) {
        precondition(c.isFinite)
        glp_set_obj_coef(problem, 0, c)
    }

    /// Row `i` is 1-based.
    func setRow(_ i: Int32, bounds: Bounds) {
        precondition(i >= 1 && i <= rowCount, "GLPK row \(i) out of range")
        let (type, lo, up) = bounds.glpk
        precondition(lo.isFinite && up.isFinite && (type != GLP_DB || lo < up))
        glp_set_row_bnds(problem, i, type, lo, up)
    }

    /// Loads the constraint matrix from 1-based triplets (index 0 of each array is ignored).
    func loadMatrix(rows: [Int32], columns: [Int32], values: [Double]) {
        precondition(rows.count == columns.count && rows.count == values.count && !rows.isEmpty)
        let n = rows.count - 1
        for k in stride(from: 1, through: n, by: 1) {
            precondition(rows[k] >= 1 && rows[k] <= rowCount && columns[k] >= 1 && columns[k] <= columnCount && values[k].isFinite,
                         "GLPK matrix entry \(k) out of range")
        }
        var r = rows, c = columns, v = values
        r.withUnsafeMutableBufferPointer { rp in
            c.withUnsafeMutableBufferPointer { cp in
                v.withUnsafeMutableBufferPointer { vp in
                    precondition(glp_check_dup(rowCount, columnCount, Int32(n), rp.baseAddress, cp.baseAddress) == 0,
                                 "duplicate GLPK matrix entries")
                    glp_load_matrix(problem, Int32(n), rp.baseAddress, cp.baseAddress, vp.baseAddress)
                }
            }
        }
    }

    /// Scales, builds an advanced basis and runs the dual simplex, then the primal simplex with
    /// the time left if the dual one failed. Returns GLPK's return code and the solution status.
    ///
    /// Not GLPK's own fallback (`GLP_DUALP`): it restarts the primal simplex with the whole time
    /// limit after the dual one gave up on numerical instability, so a solve could take twice
    /// its limit (measured: 20.3 s against a 13.4 s limit, the full program of VGG-16 training at
    /// its smallest feasible budget).
    func solveRelaxation(timeLimitMilliseconds: Int32?) -> (code: ReturnCode, status: Status) {
        let start = ContinuousClock.now
        glp_scale_prob(problem, GLP_SF_AUTO)
        glp_adv_basis(problem, 0)
        var parm = glp_smcp()
        glp_init_smcp(&parm)
        parm.msg_lev = GLP_MSG_OFF
        parm.meth = GLP_DUAL
        // Less the time scaling and the starting basis took (0.9 s on 1.23 M rows and columns).
        if let t = timeLimitMilliseconds {
            let used = (ContinuousClock.now - start).seconds * 1000
            guard used < Double(t) else { return (.timeLimit, Status(glp_get_status(problem))) }
            parm.tm_lim = Int32(max(1, (Double(t) - used).rounded(.down)))
        }
        var code = ReturnCode(glp_simplex(problem, &parm))
        if case .failed = code {
            if let t = timeLimitMilliseconds {
                let used = (ContinuousClock.now - start).seconds * 1000
                guard used < Double(t) else { return (.timeLimit, Status(glp_get_status(problem))) }
                parm.tm_lim = Int32(max(1, (Double(t) - used).rounded(.down)))
            }
            parm.meth = GLP_PRIMAL
            code = ReturnCode(glp_simplex(problem, &parm))
        }
        return (code, Status(glp_get_status(problem)))
    }

    var relaxationObjective: Double { glp_get_obj_val(problem) }

    func relaxationValue(column j: Int32) -> Double {
        precondition(j >= 1 && j <= columnCount)
        return glp_get_col_prim(problem, j)
    }

    /// Runs branch and bound from the optimal relaxation (presolve off, so a warm start can be
    /// given through the callback). `context` receives callbacks on this thread.
    ///
    /// Branching: pseudocosts (`GLP_BR_PCH`) when `pseudocosts`, otherwise Driebeck and Tomlin's
    /// heuristic (`GLP_BR_DTH`). GLPK initializes pseudocosts by strong branching — dual simplex
    /// runs on every candidate variable — without checking the time limit and without a callback
    /// to stop it: on the 81-layer chain at 25% a 10 s limit returned after 26–42 s with
    /// `GLP_BR_PCH` and after 10.0 s with `GLP_BR_DTH` (docs/benchmarks.md).
    func branchAndBound(timeLimitMilliseconds: Int32?, relativeGap: Double, pseudocosts: Bool,
                        context: GLPKCallbackContext) -> ReturnCode {
        var parm = glp_iocp()
        glp_init_iocp(&parm)
        parm.msg_lev = GLP_MSG_OFF
        parm.presolve = GLP_OFF
        if let t = timeLimitMilliseconds { parm.tm_lim = max(1, t) }
        precondition(relativeGap >= 0 && relativeGap.isFinite)
        parm.mip_gap = relativeGap
        parm.gmi_cuts = GLP_ON
        parm.mir_cuts = GLP_ON
        parm.cov_cuts = GLP_ON
        parm.clq_cuts = GLP_ON
        parm.br_tech = pseudocosts ? GLP_BR_PCH : GLP_BR_DTH
        parm.bt_tech = GLP_BT_BLB
        parm.cb_func = glpkCallback
        let unmanaged = Unmanaged.passRetained(context)
        defer { unmanaged.release() }
        parm.cb_info = unmanaged.toOpaque()
        return ReturnCode(glp_intopt(problem, &parm))
    }

    var mipStatus: Status { Status(glp_mip_status(problem)) }
    var mipObjective: Double { glp_mip_obj_val(problem) }

    func mipValue(column j: Int32) -> Double {
        precondition(j >= 1 && j <= columnCount)
        return glp_mip_col_val(problem, j)
    }
}

/// State shared with GLPK's branch-and-bound callback.
final class GLPKCallbackContext {
    /// A checked feasible solution, 1-based (index 0 unused), offered once at the first heuristic call.
    var incumbent: [Double]?
    var offeredIncumbent = false
    /// Best proven bound seen so far (rounded to an integer when the objective is integral).
    var bound: Double?
    /// Every solution's objective is an integer, so a fractional bound may be rounded.
    var integralObjective = false
    var maximize = false
    /// The requested relative gap, checked against the rounded bound (GLPK checks its own).
    var relativeGap = 0.0
    var incumbentObjective: Double?
    let start = ContinuousClock.now
    var progress: (@Sendable (SolverProgress) -> Void)?
    /// Seconds after which the search is stopped from the callback: GLPK checks its own limit only
    /// between nodes, so a long root (cut generation) can overrun it.
    var deadline: Double?

    /// A bound made tighter by integrality when the objective is integral.
    func rounded(_ bound: Double) -> Double {
        guard integralObjective else { return bound }
        return maximize ? (bound + 1e-6).rounded(.down) : (bound - 1e-6).rounded(.up)
    }

    func elapsed() -> Double {
        let d = ContinuousClock.now - start
        return Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }
}

/// GLPK's callback: records the bound, offers the warm start. Never modifies the problem and
/// never throws (a longjmp must not cross Swift frames).
private let glpkCallback: @convention(c) (OpaquePointer?, UnsafeMutableRawPointer?) -> Void = { tree, info in
    guard let tree, let info else { return }
    let context = Unmanaged<GLPKCallbackContext>.fromOpaque(info).takeUnretainedValue()
    let best = glp_ios_best_node(tree)
    if best != 0 {
        let b = glp_ios_node_bound(tree, best)
        if b.isFinite && abs(b) < 1e300 { context.bound = context.rounded(b) }  // GLPK uses ±DBL_MAX for "none yet"
    }
    if context.integralObjective, let bound = context.bound, let incumbent = context.incumbentObjective,
       abs(incumbent - bound) <= context.relativeGap * max(abs(incumbent), 1e-10) {
        glp_ios_terminate(tree)  // proven by the rounded bound
        return
    }
    if let deadline = context.deadline, context.elapsed() > deadline {
        glp_ios_terminate(tree)
        return
    }
    if MemoryLimit.installedIsReached {
        glp_ios_terminate(tree)  // stopped like at the time limit: the best solution so far
        return
    }
    switch glp_ios_reason(tree) {
    case GLP_IHEUR:
        if !context.offeredIncumbent, var x = context.incumbent {
            context.offeredIncumbent = true
            _ = x.withUnsafeMutableBufferPointer { glp_ios_heur_sol(tree, $0.baseAddress) }
        }
    case GLP_IBINGO, GLP_ISELECT:
        // The incumbent, when there is one, is the problem's current integer solution.
        if let problem = glp_ios_get_prob(tree), glp_mip_status(problem) == GLP_FEAS || glp_mip_status(problem) == GLP_OPT {
            context.incumbentObjective = glp_mip_obj_val(problem)
        }
        context.progress?(SolverProgress(incumbent: context.incumbentObjective, bound: context.bound, seconds: context.elapsed()))
    default:
        break
    }
}
