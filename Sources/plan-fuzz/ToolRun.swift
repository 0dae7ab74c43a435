import Foundation
import Graph

/// One run of the tool on a case, in a folder of its own, and the verdict on what it did.
struct ToolRun {
    enum Verdict: Hashable {
        /// Exit 0 with a result, or an error exit with a clear message.
        case ok, clearError
        /// Stopped only at the case's hard cap, with a valid time limit above it: not judged.
        case long
        /// Failures: killed by a signal; ran past its time limit; an exit code other than 0, 1
        /// or 64; an error without a clear message; a non-finite number or a broken output file
        /// after exit 0; an internal error.
        case crash(Int32), hang, exitCode(Int32), unclear(String), nonFinite, badOutput(String), internalError(String)

        var isFailure: Bool {
            switch self {
            case .ok, .clearError, .long: false
            default: true
            }
        }

        var name: String {
            switch self {
            case .ok: "ok (exit 0)"
            case .clearError: "clear error"
            case .long: "long (valid time limit above the cap)"
            case .crash(let s): "crash (signal \(s))"
            case .hang: "hang"
            case .exitCode(let c): "exit code \(c)"
            case .unclear: "unclear message"
            case .nonFinite: "non-finite result"
            case .badOutput: "bad output file"
            case .internalError: "internal error"
            }
        }
    }

    var status: Int32 = 0
    var signalled = false
    var timedOut = false
    var seconds = 0.0
    var stdout = ""
    var stderr = ""
    var verdict = Verdict.ok

    /// The file name each placeholder becomes in the case's folder.
    static let fileNames = ["{graph}": "graph.json", "{plan}": "plan.json", "{hardware}": "hardware.json"]

    /// The arguments with placeholders replaced by the case's file names.
    static func concreteArguments(_ c: FuzzCase) -> [String] {
        c.arguments.map { arg in
            var a = arg
            for (k, v) in fileNames { a = a.replacingOccurrences(of: k, with: v) }
            return a.replacingOccurrences(of: "{out}", with: outputName(c))
        }
    }

    static func outputName(_ c: FuzzCase) -> String { c.arguments.contains("--svg") ? "out.svg" : "out.json" }

    /// Runs `tool` on the case in `folder` (emptied first), killing it after `cap` seconds.
    static func run(_ c: FuzzCase, tool: String, folder: URL, cap: Double) throws -> ToolRun {
        let fm = FileManager.default
        try? fm.removeItem(at: folder)
        try fm.createDirectory(at: folder, withIntermediateDirectories: true)
        for (placeholder, bytes) in c.files { try Data(bytes).write(to: folder.appendingPathComponent(fileNames[placeholder]!)) }
        let outURL = folder.appendingPathComponent("stdout.txt"), errURL = folder.appendingPathComponent("stderr.txt")
        _ = fm.createFile(atPath: outURL.path, contents: nil)
        _ = fm.createFile(atPath: errURL.path, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = concreteArguments(c)
        process.currentDirectoryURL = folder
        let outHandle = try FileHandle(forWritingTo: outURL), errHandle = try FileHandle(forWritingTo: errURL)
        defer { try? outHandle.close(); try? errHandle.close() }
        process.standardOutput = outHandle
        process.standardError = errHandle
        process.standardInput = FileHandle.nullDevice
        let done = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in done.signal() }
        let start = ContinuousClock.now
        try process.run()
        var result = ToolRun()
        if done.wait(timeout: .now() + cap) == .timedOut {
            result.timedOut = true
            kill(process.processIdentifier, SIGKILL)
            done.wait()
        }
        let d = ContinuousClock.now - start
        result.seconds = Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
        result.status = process.terminationStatus
        result.signalled = process.terminationReason == .uncaughtSignal
        result.stdout = String(decoding: (try? Data(contentsOf: outURL)) ?? Data(), as: UTF8.self)
        result.stderr = String(decoding: (try? Data(contentsOf: errURL)) ?? Data(), as: UTF8.self)
        result.verdict = judge(result, c, folder: folder, cap: cap)
        return result
    }

    /// Messages that are never clear: a runtime trap, a Foundation error code, a Swift value
    /// printed as it is, an internal inconsistency, or the memory watchdog on a tiny input.
    static let unclearPatterns = [
        "Fatal error", "NSCocoaErrorDomain", "Error Domain=", "The operation could not be completed", "Optional(",
        "Swift.", "Stack dump", "Backtrace", "GraphError.", "PlanError.", "JSONSyntaxError(",
    ]
    static let internalPatterns = ["please report it", "resident memory reached"]

    static let nonFinite = try! NSRegularExpression(pattern: "(?<![a-z_])[-+]?(nan|inf|infinity)(?![a-wyz_])", options: [.caseInsensitive])

    static func containsNonFinite(_ s: String) -> Bool {
        nonFinite.firstMatch(in: s, range: NSRange(s.startIndex..., in: s)) != nil
    }

    /// The verdict, from the exit and what was printed and written.
    static func judge(_ r: ToolRun, _ c: FuzzCase, folder: URL, cap: Double) -> Verdict {
        let args = concreteArguments(c)
        if r.timedOut {
            // A time limit the tool accepts and that allows more than the cap is not a hang.
            if let i = args.firstIndex(of: "--time-limit"), i + 1 < args.count, let t = Double(args[i + 1]), t.isFinite, t * 1.1 + 5 >= cap {
                return .long
            }
            if !args.contains("--time-limit") && (args.first == "plan" || args.first == "bench") { return .long }  // default 60 s
            return .hang
        }
        if r.signalled { return .crash(r.status) }
        guard [0, 1, 64].contains(r.status) else { return .exitCode(r.status) }
        let text = r.stdout + r.stderr
        for p in internalPatterns where text.contains(p) { return .internalError(p) }
        if args.first == "plan", r.stderr.contains("plan incomplete") || r.stderr.contains("invalid plan") {
            return .internalError("the planner's own plan failed its replay")
        }
        if r.status != 0 {
            guard r.stderr.contains("Error:") else { return .unclear("no 'Error:' line") }
            for p in unclearPatterns where r.stderr.contains(p) { return .unclear(p) }
            return .clearError
        }
        if args.contains(where: { ["--help", "-h", "--version", "help"].contains($0) }) { return .ok }  // nothing else runs
        // Arguments are echoed (a file named "inf"): they are not results.
        var results = r.stdout
        for a in args where a.count >= 3 && containsNonFinite(a) { results = results.replacingOccurrences(of: a, with: "") }
        if containsNonFinite(results) { return .nonFinite }
        for p in unclearPatterns where text.contains(p) { return .unclear(p) }
        // An output the command was asked to write exists and reads.
        let out = outputName(c)
        // The last of repeated options is the one that counts.
        if let i = args.lastIndex(where: { $0 == "-o" || $0 == "--output" || $0 == "--svg" }), i + 1 < args.count, args[i + 1] == out {
            guard let data = try? Data(contentsOf: folder.appendingPathComponent(out)) else { return .badOutput("\(out) missing") }
            if out.hasSuffix(".svg") {
                guard String(decoding: data, as: UTF8.self).contains("<svg") else { return .badOutput("not an SVG") }
                if containsNonFinite(String(decoding: data, as: UTF8.self)) { return .nonFinite }
            } else {
                do { _ = try JSONValue.parse([UInt8](data)) } catch { return .badOutput("output JSON: \(error)") }
            }
        }
        return .ok
    }
}
