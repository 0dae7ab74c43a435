import Foundation
import Graph

/// Mutations of the tool's inputs: JSON documents (structure-aware, then bytes) and
/// command-line arguments. Values are drawn from the edges where parsers and arithmetic break:
/// zero, negatives, 2^31, 2^53, 2^62, 2^63, 2^64, 1e308, denormals, non-numbers, wrong types,
/// duplicate and missing names, invalid UTF-8, deep nesting.
enum Mutator {
    /// Literal JSON number texts written verbatim (some are not representable as a Double).
    static let numberLiterals = [
        "0", "-0", "1", "-1", "2", "3", "0.5", "-0.5", "1.5", "1e-300", "5e-324", "-1e-300",
        "2147483647", "2147483648", "4294967296", "9007199254740992", "9007199254740993",
        "4611686018427387904", "9223372036854775807", "9223372036854775808", "18446744073709551616",
        "-9223372036854775808", "1e18", "1e19", "1e100", "1e308", "-1e308", "1.7976931348623157e308",
        "1e309", "1e999", "-1e999", "1e-999", "123456789012345678901234567890", "0.0000001", "64", "1024",
    ]

    /// Strings, for names, units, dtypes, kinds and ops.
    static let strings = [
        "", " ", "x", "fc1", "act1", "logits", "n0", "n1", "input", "loss", "parameter", "input", "activation", "gradient",
        "forward", "backward", "float16", "int8", "bool", "float128", "conv2d", "linear", "opaque", "relu", "batch_norm",
        "8MiB", "1GiB", "-1GiB", "1e999GiB", "0B", "0x10", "99999999999999999999GiB", "é😀", "\u{0}",
        String(repeating: "a", count: 300), "../../etc/passwd", "%", "50%", "\\", "\"",
    ]

    /// A placeholder serialized in place of a literal that a `JSONValue` cannot hold.
    static let placeholder = "@@FUZZ-LITERAL@@"

    /// One structure-aware mutation of `value`, and literal texts to substitute for the
    /// placeholders it left, in order.
    static func mutate(_ value: JSONValue, depth: Int = 0, literals: inout [String], random: inout FuzzRandom) -> JSONValue {
        // Walk to a random node: from the root always, then each step descends with probability
        // 0.8 when it can.
        let descend = depth == 0 || random.chance(0.8)
        switch value {
        case .object(var members) where !members.isEmpty && descend:
            let key = random.pick(members.keys.sorted())
            if random.chance(0.08) {
                switch Int.random(in: 0..<3, using: &random) {
                case 0: members[key] = nil
                case 1: members[random.pick(strings)] = members[key]
                default: members[key + "_"] = members[key]; members[key] = nil
                }
                return .object(members)
            }
            members[key] = mutate(members[key]!, depth: depth + 1, literals: &literals, random: &random)
            return .object(members)
        case .array(var elements) where !elements.isEmpty && descend:
            let i = Int.random(in: 0..<elements.count, using: &random)
            if random.chance(0.1) {
                switch Int.random(in: 0..<4, using: &random) {
                case 0: elements.remove(at: i)
                case 1: elements.insert(elements[i], at: i)
                case 2: elements.swapAt(i, Int.random(in: 0..<elements.count, using: &random))
                default: elements.append(contentsOf: Array(repeating: elements[i], count: Int.random(in: 1...64, using: &random)))
                }
                return .array(elements)
            }
            elements[i] = mutate(elements[i], depth: depth + 1, literals: &literals, random: &random)
            return .array(elements)
        default:
            return replacement(for: value, literals: &literals, random: &random)
        }
    }

    /// A new value in place of `value`: of the same kind mostly, sometimes of another.
    static func replacement(for value: JSONValue, literals: inout [String], random: inout FuzzRandom) -> JSONValue {
        let sameKind = random.chance(0.7)
        switch (value, sameKind) {
        case (.number(let d), true):
            if random.chance(0.3) { return .number(d * random.pick([-1, 0, 2, 1000, 1e9, 0.5, 1e-9] as [Double])) }
            literals.append(random.pick(numberLiterals))
            return .string(placeholder)
        case (.string, true):
            if random.chance(0.15) {
                literals.append("\"\(String(decoding: [0x61, random.pick([0xFF, 0xC3, 0xED, 0x80] as [UInt8]), 0x62], as: UTF8.self))\"")
                return .string(placeholder)
            }
            return .string(random.pick(strings))
        case (.array(let a), true):
            return .array(a + [random.chance(0.5) ? .number(Double(Int.random(in: -2...1 << 20, using: &random))) : .string(random.pick(strings))])
        case (.bool(let b), true): return .bool(!b)
        default:
            switch Int.random(in: 0..<8, using: &random) {
            case 0: return .null
            case 1: return .bool(random.chance(0.5))
            case 2: return .string(random.pick(strings))
            case 3: return .array([])
            case 4: return .object([:])
            case 5: return .array([value, value])
            case 6:
                literals.append(String(repeating: "[", count: 600) + String(repeating: "]", count: 600))
                return .string(placeholder)
            default:
                literals.append(random.pick(numberLiterals))
                return .string(placeholder)
            }
        }
    }

    /// The mutated document's text: `count` structure-aware mutations, literals substituted,
    /// then, with probability `byteRate`, a few byte-level mutations.
    static func mutateDocument(_ text: [UInt8], count: Int, byteRate: Double, random: inout FuzzRandom) -> [UInt8] {
        var bytes = text
        if let value = try? JSONValue.parse(text) {
            var v = value
            var literals: [String] = []
            for _ in 0..<count { v = mutate(v, literals: &literals, random: &random) }
            var serialized = v.serialized(pretty: random.chance(0.5))
            let quoted = "\"" + placeholder + "\""
            for literal in literals {
                guard let range = serialized.range(of: quoted) else { break }
                serialized.replaceSubrange(range, with: literal)
            }
            bytes = Array(serialized.utf8)
        }
        if random.chance(byteRate) { bytes = mutateBytes(bytes, random: &random) }
        return bytes
    }

    /// One to four byte-level mutations: flip, insert, delete, duplicate, truncate.
    static func mutateBytes(_ input: [UInt8], random: inout FuzzRandom) -> [UInt8] {
        var b = input
        for _ in 0..<Int.random(in: 1...4, using: &random) {
            guard !b.isEmpty else { b = Array("{".utf8); continue }
            let i = Int.random(in: 0..<b.count, using: &random)
            switch Int.random(in: 0..<6, using: &random) {
            case 0: b[i] ^= UInt8(1 << Int.random(in: 0..<8, using: &random))
            case 1: b.insert(random.pick(Array("{}[]\",:0123456789-.eE \\\u{7F}".utf8) + [0x00, 0xFF, 0xC3]), at: i)
            case 2: b.remove(at: i)
            case 3:
                let n = min(b.count - i, Int.random(in: 1...32, using: &random))
                b.insert(contentsOf: b[i..<(i + n)], at: i)
            case 4: b.removeSubrange(i...)
            default: b[i] = UInt8.random(in: 0...255, using: &random)
            }
        }
        return b
    }

    /// Argument values that probe the number and path parsers.
    static let argumentValues = [
        "-5", "-10%", "0", "-0", "0x10", "0X1F", "1e999", "-1e999", "nan", "NaN", "inf", "-inf", "", " ", "%", "50%%", "%50",
        "99999999999999999999%", "1000001%", "0.000001%", "1e-300", "1e308", "9223372036854775807", "9223372036854775808",
        "4611686018427387904", "-9223372036854775808", "1.5", "3", "1", "2", "64", "1GiB", "1e3GiB", "8EiB", "16EiB",
        "-4GiB", "1.5KiB", "12 KiB", "GiB", "1iB", "0B", "٣", "１０", String(repeating: "9", count: 400), "/", "/nonexistent/x.json",
        ".", "..", "/dev/null", "/proc/self/status", "none", "-", "--", "--budget", "--help", "-o",
    ]

    /// Flags and options a mutation may insert.
    static let extraArguments: [[String]] = [
        ["--training"], ["--inference"], ["--optimizer", "adam"], ["--optimizer", "sgd"], ["--batch", "2"], ["--batch", "0"],
        ["--progress"], ["--backend", "cbc"], ["--format", "json"], ["--format", "csv"], ["--timings"], ["--top", "-1"],
        ["--budget", "50%"], ["--solver", "dtr"], ["--solver", "two-level-milp"], ["--time-limit", "0.01"],
        ["--memory-limit", "none"], ["--memory-limit", "64MiB"],
    ]

    /// One to two mutations of the arguments after the subcommand.
    static func mutateArguments(_ args: [String], random: inout FuzzRandom) -> [String] {
        var a = args
        for _ in 0..<Int.random(in: 1...2, using: &random) {
            guard a.count > 1 else { break }
            let i = Int.random(in: 1..<a.count, using: &random)
            switch Int.random(in: 0..<5, using: &random) {
            case 0, 1: a[i] = random.pick(argumentValues)
            case 2: a.remove(at: i)
            case 3: a.insert(contentsOf: random.pick(extraArguments), at: i)
            default: a.insert(a[i], at: i)
            }
        }
        return a
    }
}
