import Foundation

/// A bound on the process's resident memory that every solver honours like its deadline.
///
/// Resident memory belongs to the process, not to one solve, so a limit is installed for the
/// process (``install(_:)``); none is by default. Once the resident set reaches ``bytes``, every
/// ``Deadline`` counts as passed and GLPK's branch and bound is stopped from its callback, so each
/// search returns the best plan it has, as at its time limit. The limit is sticky: memory a solve
/// has touched is rarely given back, so once reached it stays reached. ``wasReached`` tells the
/// caller afterwards that a plan came back early because of memory.
///
/// What no check reaches once it runs — GLPK's simplex on a large program — is estimated first
/// and skipped when it would not fit (``admits(_:)``; the GLPK backend and the checkpointing
/// MILP's construction ask). Estimates can be off, and the CBC backend does not ask; `plan-cli`
/// adds a watchdog that stops the process with an error at 1.5 times the limit (at least
/// 256 MiB over it).
///
/// Resident bytes are read from `/proc/self/statm` (Linux); where that file is missing the
/// limit is never reached.
public final class MemoryLimit: @unchecked Sendable {
    /// The resident bytes at which searches stop.
    public let bytes: Int
    private let lock = NSLock()
    private var reached = false
    private var lastCheck: ContinuousClock.Instant?
    private var peak = 0
    private var declined = 0
    /// How often the resident set is read at most (checks in between reuse the last reading).
    static let interval: Duration = .milliseconds(10)

    public init(bytes: Int) {
        precondition(bytes > 0, "a memory limit is a positive number of bytes")
        self.bytes = bytes
    }

    /// Whether the resident set has reached ``bytes`` (read at most every 10 ms; sticky).
    public var isReached: Bool {
        lock.lock()
        defer { lock.unlock() }
        if reached { return true }
        let now = ContinuousClock.now
        if let last = lastCheck, now - last < Self.interval { return false }
        lastCheck = now
        guard let resident = Self.residentBytes() else { return false }
        peak = max(peak, resident)
        if resident >= bytes { reached = true }
        return reached
    }

    /// Whether `bytes` more resident memory fit under the limit now. A solver asks before a step
    /// whose memory no check can reach once it runs (a linear program inside GLPK's simplex);
    /// when they do not fit it skips the step, and the refusal is recorded
    /// (``largestDeclinedBytes``).
    public func admits(_ bytes: Int) -> Bool {
        guard let resident = Self.residentBytes() else { return true }
        lock.lock()
        defer { lock.unlock() }
        peak = max(peak, resident)
        let (total, overflow) = resident.addingReportingOverflow(max(0, bytes))
        if !overflow, total <= self.bytes { return true }
        declined = max(declined, bytes)
        return false
    }

    /// The largest estimate that ``admits(_:)`` refused, 0 when none was.
    public var largestDeclinedBytes: Int {
        lock.lock()
        defer { lock.unlock() }
        return declined
    }

    /// Whether the limit was reached at any check so far.
    public var wasReached: Bool {
        lock.lock()
        defer { lock.unlock() }
        return reached
    }

    /// The largest resident set seen by the checks.
    public var peakResidentBytes: Int {
        lock.lock()
        defer { lock.unlock() }
        return peak
    }

    /// The process's resident set in bytes, `nil` where `/proc/self/statm` cannot be read.
    public static func residentBytes() -> Int? {
        let fd = open("/proc/self/statm", O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 128)
        let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, 127) }
        guard n > 0 else { return nil }
        // "size resident shared text lib data dt", in pages.
        let fields = buffer[0..<n].split(separator: UInt8(ascii: " "))
        guard fields.count >= 2, let pages = Int(String(decoding: fields[1], as: UTF8.self)) else { return nil }
        let (bytes, overflow) = pages.multipliedReportingOverflow(by: Int(sysconf(Int32(_SC_PAGESIZE))))
        return overflow ? Int.max : bytes
    }

    // MARK: The process's limit

    nonisolated(unsafe) private static var current: MemoryLimit?
    private static let currentLock = NSLock()

    /// The limit installed for the process, if any.
    public static var installed: MemoryLimit? {
        currentLock.lock()
        defer { currentLock.unlock() }
        return current
    }

    /// Installs `limit` for the process (`nil` removes it); every solver started afterwards, and
    /// every one running, checks it.
    public static func install(_ limit: MemoryLimit?) {
        currentLock.lock()
        current = limit
        currentLock.unlock()
    }

    /// Whether the installed limit, if any, is reached.
    static var installedIsReached: Bool { installed?.isReached ?? false }

    /// Whether `bytes` more fit under the installed limit (always, when none is installed).
    static func installedAdmits(_ bytes: Int) -> Bool { installed?.admits(bytes) ?? true }
}
