import Foundation

/// Phase timings for `--timings`, printed to standard error.
struct Stopwatch {
    let enabled: Bool
    private let clock = ContinuousClock()
    private var start: ContinuousClock.Instant
    private var last: ContinuousClock.Instant
    private var laps: [(String, Duration)] = []

    init(enabled: Bool) {
        self.enabled = enabled
        start = clock.now
        last = start
    }

    mutating func lap(_ label: String) {
        guard enabled else { return }
        let now = clock.now
        laps.append((label, now - last))
        last = now
    }

    func report() {
        guard enabled else { return }
        func ms(_ d: Duration) -> String {
            let s = Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
            return String(format: "%8.1f ms", s * 1000)
        }
        var text = ""
        for (label, d) in laps { text += "\(ms(d))  \(label)\n" }
        text += "\(ms(last - start))  total\n"
        FileHandle.standardError.write(Data(text.utf8))
    }
}
