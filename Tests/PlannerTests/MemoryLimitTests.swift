import Foundation
import Testing
@testable import Planner

/// The resident-memory limit object. Installing one is process-wide, so these tests never
/// install it (the other suites run in the same process); the CLI tests run it end to end.
@Suite("Memory limit")
struct MemoryLimitTests {
    @Test func readsTheResidentSet() throws {
        guard FileManager.default.fileExists(atPath: "/proc/self/statm") else { return }
        let resident = try #require(MemoryLimit.residentBytes())
        // Independently: VmRSS in /proc/self/status, in KiB.
        let status = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
        let line = try #require(status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") })
        let kib = try #require(Int(line.split(separator: " ")[1]))
        #expect(resident > 1 << 20)
        #expect(abs(resident - kib * 1024) < 64 << 20)
    }

    @Test func isReachedOnceTheResidentSetIsOverItAndStays() {
        guard MemoryLimit.residentBytes() != nil else { return }
        let low = MemoryLimit(bytes: 1)
        #expect(low.isReached)
        #expect(low.wasReached)
        #expect(low.isReached)  // sticky
        #expect(low.peakResidentBytes > 0)
        let high = MemoryLimit(bytes: Int.max)
        #expect(!high.isReached)
        #expect(!high.wasReached)
    }

    @Test func admitsWhatFitsUnderItAndRecordsWhatItRefuses() throws {
        guard FileManager.default.fileExists(atPath: "/proc/self/statm") else { return }
        let resident = try #require(MemoryLimit.residentBytes())
        let limit = MemoryLimit(bytes: resident + (512 << 20))
        #expect(limit.admits(1 << 20))
        #expect(limit.largestDeclinedBytes == 0)
        #expect(!limit.admits(4 << 30))
        #expect(!limit.admits(Int.max))  // no overflow
        #expect(limit.largestDeclinedBytes == Int.max)
        // A refusal is not the limit reached: the searches go on.
        #expect(!limit.wasReached)
    }

    @Test func glpkEstimateGrowsWithTheProgram() {
        var model = LinearModel()
        let x = (0..<10).map { model.addVariable("x\($0)", upper: 1) }
        #expect(GLPKSolver.estimatedBytes(model) == 240 * 10)
        model.add(LinearExpression.sum(x) <= 3)
        #expect(GLPKSolver.estimatedBytes(model) == 240 * (10 + 1 + 10))
    }
}
