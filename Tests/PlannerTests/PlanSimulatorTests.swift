import Graph
import Testing
@testable import Planner

/// The replay rules, each broken once, and measurements against hand computation.
@Suite("Plan simulator")
struct PlanSimulatorTests {
    /// x(input 4 B) → f1 → a(8 B) → f2 → b(2 B) → g (backward, reads a and b) → ga(8 B); outputs [ga].
    static func graph() throws -> ComputeGraph {
        try ComputeGraph(name: "tiny", tensors: [
            Tensor(name: "x", bytes: 4, kind: .input), Tensor(name: "a", bytes: 8), Tensor(name: "b", bytes: 2),
            Tensor(name: "ga", bytes: 8, kind: .gradient),
        ], layers: [
            Layer(name: "f1", op: "f", inputs: ["x"], outputs: ["a"], time: 3),
            Layer(name: "f2", op: "f", inputs: ["a"], outputs: ["b"], time: 5),
            Layer(name: "g", op: "g", inputs: ["a", "b"], outputs: ["ga"], phase: .backward, time: 7),
        ], outputs: ["ga"])
    }

    static let costs = LayerCosts(perLayer: [3, 5, 7], unit: .time)

    func replay(_ steps: [PlanStep], budget: Int? = nil) throws -> SimulationResult {
        try PlanSimulator.replay(Plan(graph: "tiny", solver: "test", budgetBytes: nil, steps: steps), on: Self.graph(), costs: Self.costs, budget: budget)
    }

    static let recomputingPlan: [PlanStep] = [
        .compute("f1"), .compute("f2"), .free("a"), .compute("f1"), .compute("g"), .free("a"), .free("b"), .free("x"),
    ]

    @Test func measuresAPlanWithRecomputation() throws {
        let r = try replay(Self.recomputingPlan)
        #expect(r.initialBytes == 4)
        // x+a, +b, -a, +a, +ga, -a, -b, -x
        #expect(r.bytesAfterStep == [12, 14, 6, 14, 22, 14, 12, 8])
        #expect(r.peakBytes == 22 && r.peakStep == 4)
        #expect(r.runs == [2, 1, 1])
        #expect(r.computeCost == 18 && r.recomputeCost == 3)
    }

    @Test func enforcesTheBudget() {
        #expect(throws: PlanError.overBudget(peakBytes: 22, budgetBytes: 20, step: 4)) { try replay(Self.recomputingPlan, budget: 20) }
        #expect(throws: Never.self) { try replay(Self.recomputingPlan, budget: 22) }
    }

    @Test func rejectsAnInputThatIsNotResident() {
        #expect(throws: PlanError.invalidStep(step: 3, description: "compute f1", reason: "input 'x' is not resident")) {
            try replay([.compute("f1"), .free("x"), .free("a"), .compute("f1")])
        }
        #expect(throws: PlanError.invalidStep(step: 0, description: "compute f2", reason: "input 'a' is not resident (compute 'f1' first)")) {
            try replay([.compute("f2")])
        }
    }

    @Test func rejectsAnOutputThatIsAlreadyResident() {
        #expect(throws: PlanError.invalidStep(step: 1, description: "compute f1", reason: "output 'a' is already resident; free it before running the layer again")) {
            try replay([.compute("f1"), .compute("f1")])
        }
    }

    @Test func backwardLayersRunOnce() {
        #expect(throws: PlanError.invalidStep(step: 4, description: "compute g", reason: "a backward layer runs exactly once")) {
            try replay([.compute("f1"), .compute("f2"), .compute("g"), .free("ga"), .compute("g")])
        }
    }

    @Test func rejectsFreeingWhatIsNotResident() {
        #expect(throws: PlanError.invalidStep(step: 0, description: "free a", reason: "tensor 'a' is not resident")) { try replay([.free("a")]) }
    }

    @Test func endConditions() {
        #expect(throws: PlanError.incomplete(reason: "layer 'f2' never runs; every layer runs at least once")) { try replay([.compute("f1")]) }
        #expect(throws: PlanError.incomplete(reason: "graph output 'ga' is not resident at the end")) {
            try replay([.compute("f1"), .compute("f2"), .compute("g"), .free("ga")])
        }
    }

    @Test func unknownNames() {
        #expect(throws: PlanError.invalidStep(step: 0, description: "compute zz", reason: "no layer named 'zz' in graph 'tiny'")) { try replay([.compute("zz")]) }
        #expect(throws: PlanError.invalidStep(step: 1, description: "free qq", reason: "no tensor named 'qq' in graph 'tiny'")) {
            try replay([.compute("f1"), .free("qq")])
        }
    }

    @Test func planJSONRoundTrips() throws {
        var plan = Plan(graph: "tiny", solver: "test", budgetBytes: 64, steps: Self.recomputingPlan)
        plan.summary = PlanSummary(peakBytes: 22, computeCost: 18, recomputeCost: 3, objective: 18, lowerBound: 17.5, gap: 0.01, status: "feasible", solveSeconds: 0.5)
        let back = try Plan(json: JSONValue.parse(plan.json().serialized(pretty: true)))
        #expect(back == plan)
        #expect(throws: GraphError.self) { try Plan(json: JSONValue.parse(#"{"steps": [{"run": "f1"}]}"#)) }
        #expect(throws: GraphError.self) { try Plan(json: JSONValue.parse(#"{"version": 99, "steps": []}"#)) }
        // Versions are read strictly: required, an integer from 1.
        #expect(throws: GraphError.missingField(SourceLocation(path: "version"))) { try Plan(json: JSONValue.parse(#"{"steps": []}"#)) }
        for bad in ["0", "-1", "1.5", "\"1\""] {
            #expect(throws: GraphError.self) { try Plan(json: JSONValue.parse(#"{"version": \#(bad), "steps": []}"#)) }
        }
    }

    /// The recorded summary is printed again by verify: each figure must be finite and in its
    /// range, or the plan is refused with the field's path (found by the fuzzer: a gap of
    /// -1e308 printed as "gap -inf%").
    @Test(arguments: [#""gap": -1e308"#, #""gap": -0.5"#, #""solve_seconds": 1e300"#, #""lower_bound": -1"#,
                      #""peak_bytes": 1e100"#, #""objective": "x""#])
    func summaryFiguresAreInRange(member: String) throws {
        let text = #"{"version": 1, "steps": [], "summary": {"status": "optimal", \#(member)}}"#
        do {
            _ = try Plan(json: JSONValue.parse(text), file: "p.json")
            Issue.record("accepted \(member)")
        } catch let error as GraphError {
            #expect(error.description.hasPrefix("p.json: summary."), "\(error)")
        }
        let fine = try Plan(json: JSONValue.parse(#"{"version": 1, "steps": [], "summary": {"status": "optimal", "gap": 0.25, "solve_seconds": 3}}"#))
        #expect(fine.summary?.gap == 0.25)
    }
}
