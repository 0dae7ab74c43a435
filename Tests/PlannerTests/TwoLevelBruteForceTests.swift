import Foundation
import Graph
import Testing
@testable import Planner

/// The joint planner against a brute force on tiny chains: every plan of a family that covers
/// residency, streaming with prefetch distances 0–2, and single or double buffering is built and
/// replayed; the planner's plan takes exactly the time of the fastest that fits (measured on 60
/// seeds: never faster, never slower; before the decoder's fix for a slack load variable, seed 14
/// was 17% slower, its program's plan did not replay).
@Suite("Two-level brute force")
struct TwoLevelBruteForceTests {
    /// A chain x → f0 → a0 → f1 → ... of `n` layers, each reading one weight; random bytes and
    /// times; a device with fast memory between the least any plan needs and everything.
    static func chain(_ seed: UInt64) throws -> (ComputeGraph, LayerCosts, DeviceMemory) {
        var rng = SplitMix64(seed: seed)
        let n = 3 + Int(rng.next() % 2)
        var tensors = [Tensor(name: "x", bytes: 10 + Int(rng.next() % 90), kind: .input)]
        var layers: [Layer] = []
        var previous = "x"
        for i in 0..<n {
            tensors.append(Tensor(name: "w\(i)", bytes: 20 + Int(rng.next() % 200), kind: .parameter))
            tensors.append(Tensor(name: "a\(i)", bytes: 10 + Int(rng.next() % 90)))
            layers.append(Layer(name: "f\(i)", op: "f", inputs: [previous, "w\(i)"], outputs: ["a\(i)"],
                                time: 0.25 * Double(1 + rng.next() % 8)))
            previous = "a\(i)"
        }
        let g = try ComputeGraph(name: "chain\(seed)", tensors: tensors, layers: layers, outputs: [previous])
        let everything = g.tensors.reduce(0) { $0 + $1.bytes }
        let minimum = TwoLevelPlanner.minimumFastBytes(g)
        let fast = minimum + Int(rng.next() % UInt64(everything - minimum + 1))
        let memory = DeviceMemory(fastBytes: fast, slowBytes: 1 << 20, bandwidth: 50 * Double(1 + rng.next() % 8),
                                  copyEngines: seed % 2 == 0 ? 2 : 1)
        return (g, try LayerCosts.make(for: g), memory)
    }

    /// Every plan of the family: each weight resident, or loaded 0, 1 or 2 computes before its
    /// reader and evicted after it; in each gap between computes, loads before or after the
    /// releases of the compute before (double or single buffering). Activations are freed after
    /// their reader. Replayed within the device; the fastest that fits, or `nil`.
    static func bruteForce(_ g: ComputeGraph, costs: LayerCosts, memory: DeviceMemory) -> Double? {
        let n = g.layers.count
        var best: Double?
        // Choice per weight: 0 resident, 1 + k: loaded k computes before its reader.
        let choices = Int(pow(4.0, Double(n))), orders = 1 << n
        for c in 0..<choices {
            var code = c
            var resident: [String] = []
            var loadsBefore = [[String]](repeating: [], count: n)
            for i in 0..<n {
                let choice = code % 4
                code /= 4
                if choice == 0 { resident.append("w\(i)") } else { loadsBefore[max(0, i - (choice - 1))].append("w\(i)") }
            }
            for order in 0..<orders {
                var steps: [PlanStep] = []
                var releases: [PlanStep] = []
                for i in 0..<n {
                    let loads = loadsBefore[i].map { PlanStep.load($0) }
                    steps += (order >> i) & 1 == 0 ? loads + releases : releases + loads
                    steps.append(.compute("f\(i)"))
                    releases = [.free(i == 0 ? "x" : "a\(i - 1)")]
                    if !resident.contains("w\(i)") { releases.append(.evict("w\(i)")) }
                }
                steps += releases
                let plan = Plan(graph: g.name, solver: "brute force", budgetBytes: nil, steps: steps, resident: resident)
                guard let r = try? TimingSimulator.replay(plan, on: g, costs: costs, memory: memory) else { continue }
                best = min(best ?? .infinity, r.totalTime)
            }
        }
        return best
    }

    @Test(arguments: Array(UInt64(1)...40))
    func theJointPlannerEqualsTheBruteForce(seed: UInt64) throws {
        let (g, costs, memory) = try Self.chain(seed)
        let exhaustive = Self.bruteForce(g, costs: costs, memory: memory)
        guard let r = try? TwoLevelPlanner.plan(g, costs: costs, memory: memory, solver: .milp, options: ILPOptions(timeLimit: 20)) else {
            #expect(exhaustive == nil, "\(g.name): the brute force fits (\(exhaustive ?? 0) s), the planner does not")
            return
        }
        #expect(r.timing.totalTime >= TwoLevelPlanner.lowerBound(g, costs: costs, memory: memory) * (1 - 1e-12))
        guard let exhaustive else { return }
        #expect(abs(r.timing.totalTime - exhaustive) <= 1e-9 * exhaustive + 1e-12,
                "\(g.name): planner \(r.timing.totalTime) s (\(r.plan.solver)), brute force \(exhaustive) s")
    }
}
