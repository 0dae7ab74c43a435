import Testing
@testable import Planner

/// `--budget` as text: bytes with a unit or a percentage; nothing else, and no trap on extremes.
@Suite("Memory budget")
struct MemoryBudgetTests {
    @Test func parsesBytesAndPercentages() {
        #expect(MemoryBudget("6GiB") == .bytes(6 << 30))
        #expect(MemoryBudget(" 40% ") == .fractionOfPeak(0.4))
        #expect(MemoryBudget("150%")?.resolve(checkpointAllPeak: 1000) == 1500)
    }

    @Test func rejectsWhatIsNotABudget() {
        for text in ["0x10", "0x10%", "-5", "-10%", "0%", "nan%", "inf%", "99999999999999999999%", "1e400", "40 %%", ""] {
            #expect(MemoryBudget(text) == nil, "\(text)")
        }
    }

    /// The largest percentage resolves without overflow even on the largest peak.
    @Test func resolvesWithoutOverflow() {
        let b = MemoryBudget("1000000%")!
        #expect(b.resolve(checkpointAllPeak: Int.max / 2) == 9_000_000_000_000_000_000)
    }
}
