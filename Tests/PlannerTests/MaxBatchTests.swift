import Foundation
import Graph
import Testing
@testable import Planner

@Suite("Largest batch")
struct MaxBatchTests {
    static let vgg = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("fixtures/models/vgg16.json").path

    /// For checkpoint-all the answer follows from the keep-everything peak: it fits at the batch
    /// found and not at the next one.
    @Test func checkpointAllMatchesTheKeepEverythingPeak() throws {
        let forward = try ComputeGraph.load(contentsOf: Self.vgg)
        let memory = 6 << 30
        let (batch, plan) = try #require(try CheckpointPlanner.largestBatch(forward, memory: memory, solver: .checkpointAll))
        func peak(_ b: Int) throws -> Int { try forward.rescaled(batch: b).training().keepEverythingProfile().peakBytes }
        #expect(try peak(batch) <= memory)
        #expect(try peak(batch + 1) > memory)
        #expect(plan.simulation.peakBytes == (try peak(batch)))
    }

    /// Recomputation buys batch: every other solver reaches at least checkpoint-all's batch.
    @Test func recomputationFitsLargerBatches() throws {
        let forward = try ComputeGraph.load(contentsOf: Self.vgg)
        let memory = 6 << 30
        let all = try #require(try CheckpointPlanner.largestBatch(forward, memory: memory, solver: .checkpointAll)).batch
        for s in [CheckpointSolver.chenGreedy, .dtr] {
            let b = try #require(try CheckpointPlanner.largestBatch(forward, memory: memory, solver: s)).batch
            #expect(b >= all, "\(s.rawValue): \(b) < \(all)")
        }
        #expect(try CheckpointPlanner.largestBatch(forward, memory: 1 << 20, solver: .dtr) == nil)
    }
}
