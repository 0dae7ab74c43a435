import Foundation

/// One fuzz case: the command line (paths as placeholders) and the input files it reads,
/// possibly mutated.
struct FuzzCase {
    /// Arguments after the tool's name; `{graph}`, `{plan}`, `{hardware}`, `{out}` stand for the
    /// case's files.
    var arguments: [String]
    /// The bytes of each input the arguments name, by placeholder.
    var files: [String: [UInt8]]
    /// What was mutated, for the report: "graph", "plan", "hardware", "arguments".
    var mutated: [String]

    /// The seed inputs, read from a folder: `*.graph.json`, `*.nodelink.json` and
    /// `*.random.json` are graphs, `*.plan.json` plans (a name with `two-level` is a two-level
    /// plan for the graph `mlp.graph.json` with `--training --optimizer adam`), `*.hardware.json`
    /// device descriptions.
    struct Seeds {
        var graphs: [(name: String, bytes: [UInt8])] = []
        var plans: [(name: String, bytes: [UInt8])] = []
        var hardware: [(name: String, bytes: [UInt8])] = []
        var trainingGraph: [UInt8] = []

        init(folder: String) throws {
            let names = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
            for name in names {
                let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: folder).appendingPathComponent(name)))
                if name.hasSuffix(".plan.json") { plans.append((name, bytes)) }
                else if name.hasSuffix(".hardware.json") { hardware.append((name, bytes)) }
                else if name.hasSuffix(".graph.json") || name.hasSuffix(".nodelink.json") || name.hasSuffix(".random.json") {
                    graphs.append((name, bytes))
                    if name == "mlp.graph.json" { trainingGraph = bytes }
                }
            }
            guard !graphs.isEmpty, !plans.isEmpty, !hardware.isEmpty, !trainingGraph.isEmpty else {
                throw FuzzError("seed folder \(folder) needs graphs (mlp.graph.json among them), plans and hardware files")
            }
        }
    }

    static let checkpointSolvers = ["ilp", "dtr", "lifetime-split", "selective", "best-baseline", "chen-greedy", "chen-sqrtn", "revolve",
                                    "chain-dp", "checkpoint-all"]
    static let twoLevelSolvers = ["resident", "stream-single", "stream-double", "greedy-residency", "offload-activations",
                                  "checkpoint-resident", "checkpoint-streaming",
                                  "best-two-level", "two-level-milp"]
    static let budgets = ["50%", "80%", "90%", "100%", "150%", "12KiB", "11000", "4096", "1MiB"]

    /// Case `index` of the run seeded with `seed`.
    static func make(seed: UInt64, index: UInt64, seeds: Seeds) -> FuzzCase {
        var random = FuzzRandom(seed: seed, stream: index)
        var files: [String: [UInt8]] = [:]
        var args: [String]
        let graph = random.pick(seeds.graphs)
        files["{graph}"] = graph.bytes
        let limit = random.pick(["1", "1", "2", "0.5"])
        // Training needs parameters: the native graph has them, the others rarely get the flag.
        let training = random.chance(graph.name == "mlp.graph.json" ? 0.6 : 0.1)
        switch Int.random(in: 0..<12, using: &random) {
        case 0, 1:
            args = ["analyze", "{graph}"]
            if training { args.append("--training") }
            if random.chance(0.4) { args += ["--hardware", "{hardware}"] }
            if random.chance(0.3) { args += ["--format", random.pick(["json", "csv", "table"])] }
        case 2, 3, 4, 5:
            args = ["plan", "{graph}", "--budget", random.pick(budgets), "--solver", random.pick(checkpointSolvers), "--time-limit", limit]
            if training { args.append("--training") }
            if random.chance(0.4) { args += ["-o", "{out}"] }
            if random.chance(0.2) { args += ["--hardware", "{hardware}"] }
        case 6, 7:
            let plan = random.pick(seeds.plans)
            files["{plan}"] = plan.bytes
            files["{graph}"] = seeds.trainingGraph
            args = ["verify", "{graph}", "{plan}", "--training"]
            if plan.name.contains("two-level") { args += ["--optimizer", "adam", "--hardware", "{hardware}"] }
            if random.chance(0.3) { args += ["--budget", random.pick(budgets)] }
            if random.chance(0.2) { args += ["--svg", "{out}"] }
        case 8, 9:
            files["{graph}"] = seeds.trainingGraph
            args = ["plan", "{graph}", "--training", "--hardware", "{hardware}", "--solver", random.pick(twoLevelSolvers), "--time-limit", limit]
            if random.chance(0.5) { args += ["--optimizer", "adam"] }
            if random.chance(0.5) { args += ["--budget", random.pick(["16KiB", "64KiB", "50%", "1MiB"])] }
            if random.chance(0.3) { args += ["-o", "{out}"] }
        case 10:
            args = ["export", "{graph}", "-o", "{out}"]
            if training { args.append("--training") }
        default:
            args = ["bench", "{graph}", "--budgets", "2", "--time-limit", "0.5", "--solvers", "dtr,checkpoint-all,chen-greedy"]
            if training { args.append("--training") }
        }
        if args.contains("{hardware}") { files["{hardware}"] = random.pick(seeds.hardware).bytes }
        var mutated: [String] = []
        let what = Double.random(in: 0..<1, using: &random)
        // Three in four cases mutate one input file, one in four the arguments (a few both); the
        // rest run the seeds as they are, so that the plans of valid inputs are checked too.
        if what < 0.75 {
            let targets = files.keys.sorted()
            let target = random.pick(targets)
            files[target] = Mutator.mutateDocument(files[target]!, count: Int.random(in: 1...3, using: &random), byteRate: 0.15, random: &random)
            mutated.append(String(target.dropFirst().dropLast()))
        }
        if what >= 0.82 || what < 0.06 {
            args = Mutator.mutateArguments(args, random: &random)
            mutated.append("arguments")
        }
        return FuzzCase(arguments: args, files: files, mutated: mutated)
    }
}

struct FuzzError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
