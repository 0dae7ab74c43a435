/// The search behind `plan --layout`: the cheapest plan whose laid-out arena fits the budget,
/// found by planning again at tighter sum budgets.
///
/// A plan fits by sum when its peak of live bytes is within the budget; after layout its arena
/// can be larger (holes, padding). The first plan is made at the budget itself. When its arena
/// is over, the next sum budget is lowered by the excess; once one fits, the sum budget is
/// bisected between the largest that fits and the smallest that does not, for a cheaper plan,
/// until they are within `resolution` or the attempts or the time run out.
public struct LayoutFitting<Planned> {
    /// One plan tried: its sum budget, and its cost and arena (nil: no plan at that budget).
    public struct Attempt: Sendable, Hashable {
        public var sumBudget: Int
        public var cost: Double?
        public var arenaBytes: Int?

        public init(sumBudget: Int, cost: Double?, arenaBytes: Int?) {
            self.sumBudget = sumBudget
            self.cost = cost
            self.arenaBytes = arenaBytes
        }
    }

    /// The cheapest plan whose arena fits, with its sum budget.
    public var best: (planned: Planned, cost: Double, arenaBytes: Int, sumBudget: Int)?
    /// Every plan tried, in order.
    public var attempts: [Attempt] = []

    /// What the search did, in words.
    public var summary: String {
        guard let best else { return "no plan tried fits after layout" }
        if best.sumBudget == attempts.first?.sumBudget { return "the plan made for the budget fits after layout" }
        return "re-planned at a sum budget of \(best.sumBudget) B (\(attempts.count) plans tried) so that the arena fits"
    }

    /// Runs the search.
    /// - Parameters:
    ///   - attempt: plans at a sum budget with a time limit and lays the plan out; returns `nil`
    ///     when no plan fits that sum.
    ///   - maximumAttempts: plans tried at most.
    public static func search(budget: Int, alignment: Int, timeLimit: Double, maximumAttempts: Int = 8,
                              attempt: (_ sumBudget: Int, _ seconds: Double) throws(PlanError) -> (planned: Planned, cost: Double, arenaBytes: Int)?)
        throws(PlanError) -> LayoutFitting {
        var result = LayoutFitting()
        let deadline = Deadline(secondsFromNow: timeLimit)
        let resolution = max(alignment, budget / 256)
        var next = budget
        var over = budget + 1       // smallest sum budget known to give an arena over the budget
        var fits: Int?              // largest sum budget known to fit after layout
        var noPlan = 0              // largest sum budget known to have no plan
        while result.attempts.count < maximumAttempts {
            let left = deadline.secondsLeft ?? timeLimit
            if !result.attempts.isEmpty && (left < 0.05 * timeLimit || left <= 0) { break }
            let share = result.attempts.isEmpty ? timeLimit * 0.4 : left / 2
            let tried = try attempt(next, share)
            result.attempts.append(Attempt(sumBudget: next, cost: tried?.cost, arenaBytes: tried?.arenaBytes))
            guard let tried else {
                // No plan at this sum (nor, as far as the solver knows, below): bisect above it.
                noPlan = next
                let low = max(noPlan, fits ?? noPlan)
                if over - low <= resolution { break }
                next = low + (over - low) / 2
                continue
            }
            if tried.arenaBytes <= budget {
                if result.best == nil || tried.cost < result.best!.cost {
                    result.best = (tried.planned, tried.cost, tried.arenaBytes, next)
                }
                if next == budget { break }
                fits = next
            } else {
                over = next
            }
            if let fits {
                if over - fits <= resolution { break }
                next = fits + (over - fits) / 2
            } else {
                next = max(next - max(resolution, tried.arenaBytes - budget), noPlan + (next - noPlan) / 2)
                if next <= noPlan || over - noPlan <= resolution { break }
            }
        }
        return result
    }
}

extension LayoutFitting {
    /// The attempts without their plans (their sum budgets, costs and arenas).
    public var plainAttempts: [LayoutFitting<Void>.Attempt] {
        attempts.map { LayoutFitting<Void>.Attempt(sumBudget: $0.sumBudget, cost: $0.cost, arenaBytes: $0.arenaBytes) }
    }

    /// How an attempt of `seconds` shares them: 80% to plan (with no deadline of its own, as the
    /// search keeps the clock) and the rest, at least 50 ms, to lay the plan out.
    static func shares(of options: ILPOptions, seconds: Double) -> (planning: ILPOptions, layout: LayoutOptions) {
        var planning = options
        planning.timeLimit = seconds * 0.8
        planning.deadline = nil
        return (planning, LayoutOptions(timeLimit: max(0.05, seconds * 0.2), solver: options.solver))
    }

    /// Runs one attempt's planner: its plan, or `nil` when it has none at that sum (no plan fits,
    /// or none was found in time), the first such error kept in `firstError`; other errors pass.
    static func planOrNone<T>(_ firstError: inout PlanError?, _ plan: () throws(PlanError) -> T) throws(PlanError) -> T? {
        do throws(PlanError) {
            return try plan()
        } catch {
            guard case .infeasibleBudget = error else {
                if error.isOutOfTime { firstError = firstError ?? error; return nil }
                throw error
            }
            firstError = firstError ?? error
            return nil
        }
    }
}
