import ArgumentParser
import Foundation
import Graph
import Planner

/// `--memory-limit`: the resident memory at which every search stops with the best plan found.
struct MemoryLimitOptions: ParsableArguments {
    /// The default limit, also the target for the largest graphs: 4 GiB, or three
    /// quarters of the machine's memory where that is less.
    static var defaultBytes: Int {
        let physical = Int(clamping: ProcessInfo.processInfo.physicalMemory)
        return min(4 << 30, max(256 << 20, physical / 4 * 3))
    }

    @Option(parsing: .unconditional,
            help: "Resident memory at which every search stops and returns the best plan found (bytes with a unit, or 'none'; default: 4 GiB, or 3/4 of the machine's memory if less). The tool stops with an error at 1.5 times it (at least 256 MiB over it).")
    var memoryLimit: String?

    func validate() throws { _ = try bytes() }

    /// The limit in bytes, `nil` for none.
    func bytes() throws -> Int? {
        guard let text = memoryLimit else { return Self.defaultBytes }
        if text == "none" { return nil }
        guard let bytes = Units.parseBytes(text), bytes >= 1 << 20 else {
            throw ValidationError("--memory-limit '\(text)' is not a memory size: give bytes with a unit, at least 1MiB (4GiB, 512MiB), or 'none'")
        }
        return bytes
    }

    /// Installs the limit for this process and starts the watchdog that ends the process at 1.5
    /// times it, at least 256 MiB over it (a phase that no check reaches, such as building one large program, can
    /// overshoot the limit). Returns the limit, `nil` for none.
    func install() throws -> MemoryLimit? {
        guard let bytes = try bytes() else { return nil }
        let limit = MemoryLimit(bytes: bytes)
        MemoryLimit.install(limit)
        let hard = bytes + max(bytes / 2, 256 << 20)
        let thread = Thread {
            while true {
                Thread.sleep(forTimeInterval: 0.05)
                // Records the soft limit as reached even in a phase whose own checks do not
                // run then (the searches see it at their next check).
                _ = limit.isReached
                guard let resident = MemoryLimit.residentBytes(), resident > hard else { continue }
                let message = "Error: resident memory reached \(Units.bytes(resident)), over --memory-limit \(Units.bytes(bytes)) by more than the searches can stop at; stopped. Give a larger --memory-limit, or a smaller --time-limit.\n"
                FileHandle.standardError.write(Data(message.utf8))
                Foundation.exit(ExitCode.failure.rawValue)
            }
        }
        thread.start()
        return limit
    }

    /// A note for standard error when the limit stopped the searches early.
    static func note(_ limit: MemoryLimit?) {
        guard let limit else { return }
        if limit.wasReached {
            FileHandle.standardError.write(Data("note: resident memory reached --memory-limit \(Units.bytes(limit.bytes)) (\(Units.bytes(limit.peakResidentBytes)) seen); the searches stopped early with the best plan found.\n".utf8))
        } else if limit.largestDeclinedBytes > 0 {
            FileHandle.standardError.write(Data("note: a step needing about \(Units.bytes(limit.largestDeclinedBytes)) more was skipped to stay within --memory-limit \(Units.bytes(limit.bytes)) (\(Units.bytes(limit.peakResidentBytes)) seen); the bound or the plan may be weaker than without the limit.\n".utf8))
        }
    }
}
