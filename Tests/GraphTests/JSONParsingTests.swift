import Testing
@testable import Graph

@Suite("JSON parsing")
struct JSONParsingTests {
    @Test func parsesScalarsAndContainers() throws {
        let v = try JSONValue.parse(#"{"a": [1, -2.5e3, true, false, null], "b": {"c": "d\"\\\n\u00e9\ud83d\ude00"}}"#)
        #expect(v.objectValue?["a"] == .array([.number(1), .number(-2500), .bool(true), .bool(false), .null]))
        #expect(v.objectValue?["b"]?.objectValue?["c"] == .string("d\"\\\né😀"))
    }

    @Test(arguments: [
        ("{\"a\": 1,}", 1, 9),
        ("{\n  \"a\": [1, 2\n}", 3, 1),
        ("[01]", 1, 3),
        ("{\"a\" 1}", 1, 6),
        ("", 1, 1),
        ("[1] x", 1, 5),
        ("\"abc", 1, 5),
        ("tru", 1, 1),
    ])
    func reportsLineAndColumn(text: String, line: Int, column: Int) {
        #expect(throws: JSONSyntaxError.self) { try JSONValue.parse(text) }
        do {
            _ = try JSONValue.parse(text)
        } catch {
            #expect(error.line == line)
            #expect(error.column == column)
        }
    }

    @Test func roundTripsThroughSerialization() throws {
        let text = #"{"name":"x","n":[1,2.5,-3],"o":{"k":"a\"b","t":true,"z":null}}"#
        let v = try JSONValue.parse(text)
        #expect(try JSONValue.parse(v.serialized()) == v)
        #expect(try JSONValue.parse(v.serialized(pretty: true)) == v)
    }

    @Test func rejectsDeepNesting() {
        let text = String(repeating: "[", count: 600) + String(repeating: "]", count: 600)
        #expect(throws: JSONSyntaxError.self) { try JSONValue.parse(text) }
    }

    /// Invalid UTF-8 inside a string is an error at its first bad byte (RFC 8259 §8.1), with or
    /// without escapes in the same string; valid multi-byte text still reads.
    @Test(arguments: [
        ([0x22, 0x61, 0xFF, 0x62, 0x22] as [UInt8], 1, 3),                 // "a\xFFb"
        ([0x5B, 0x22, 0xC3, 0x22, 0x5D], 1, 3),                             // ["\xC3"] truncated sequence
        ([0x22, 0xED, 0xA0, 0x80, 0x22], 1, 2),                             // encoded surrogate
        ([0x22, 0x5C, 0x6E, 0xC0, 0xAF, 0x22], 1, 2),                       // "\\n" then overlong '/': at the string's start
    ])
    func rejectsInvalidUTF8(bytes: [UInt8], line: Int, column: Int) throws {
        do {
            let v = try JSONValue.parse(bytes)
            Issue.record("parsed invalid UTF-8 as \(v)")
        } catch {
            #expect(error.message.contains("invalid UTF-8"))
            #expect(error.line == line)
            #expect(error.column == column)
        }
        #expect(try JSONValue.parse(Array("\"é😀\"".utf8)) == .string("é😀"))
    }
}
