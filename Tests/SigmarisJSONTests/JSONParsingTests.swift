import Testing
@testable import SigmarisJSON

@Suite("JSON parsing")
struct JSONParsingTests {

    @Test("round trip keeps values and key order")
    func roundTrip() throws {
        let original: JSONValue = [
            "trace_id": "abc", "n": 42, "x": -0.125, "flag": nil, "ok": false,
            "list": [1, "two", [3.5], ["k": "v"]], "ja": "新規トピック: こんにちは…",
        ]
        let text = original.serialized()
        let parsed = try JSONValue(parsing: Array(text.utf8))
        #expect(parsed == original)
        #expect(parsed.objectValue?.keys == ["trace_id", "n", "x", "flag", "ok", "list", "ja"])
        #expect(parsed.serialized() == text)
    }

    @Test("whitespace around tokens is accepted")
    func whitespace() throws {
        let parsed = try JSONValue(parsing: " \n{ \"a\" : [ 1 , 2 ] }\t\r\n")
        #expect(parsed == ["a": [1, 2]])
    }

    @Test("escapes decode, including surrogate pairs")
    func escapes() throws {
        let parsed = try JSONValue(parsing: #""\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00""#)
        #expect(parsed == .string("\"\\/\u{08}\u{0C}\n\r\té😀"))
    }

    @Test("numbers follow the RFC grammar")
    func numbers() throws {
        #expect(try JSONValue(parsing: "-0") == .number(0))
        #expect(try JSONValue(parsing: "1.5e3") == .number(1500))
        #expect(try JSONValue(parsing: "2E-2") == .number(0.02))
        for bad in ["01", "1.", ".5", "+1", "1e", "-", "0x10", "NaN", "Infinity", "1e999"] {
            #expect(throws: JSONParseError.self, "\(bad)") { try JSONValue(parsing: bad) }
        }
    }

    @Test("trailing garbage, comments and bad literals are refused")
    func refusals() {
        for bad in ["{} x", "[1,]", "{\"a\":1,}", "[1 2]", "tru", "nul", "// c\n1", "{'a':1}", "", "  ", "\"unterminated",
                    "{\"a\" 1}", "[\"tab\there\"]", "\"\\x\"", "\"\\ud800\"", "\"\\udc00\""] {
            #expect(throws: JSONParseError.self, "\(bad)") { try JSONValue(parsing: bad) }
        }
    }

    @Test("invalid UTF-8 is refused")
    func invalidUTF8() {
        let bytes: [UInt8] = [0x22, 0xC3, 0x28, 0x22]
        #expect(throws: JSONParseError.self) { try JSONValue(parsing: bytes) }
        let overlong: [UInt8] = [0x22, 0xC0, 0xAF, 0x22]
        #expect(throws: JSONParseError.self) { try JSONValue(parsing: overlong) }
    }

    @Test("a repeated key keeps its first position and last value")
    func duplicateKeys() throws {
        let parsed = try JSONValue(parsing: #"{"a":1,"b":2,"a":3}"#)
        #expect(parsed.serialized() == #"{"a":3,"b":2}"#)
    }

    @Test("nesting depth is bounded instead of overflowing the stack")
    func depth() {
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        #expect(throws: JSONParseError.self) { try JSONValue(parsing: deep) }
    }

    @Test("errors say where they happened")
    func errorOffset() {
        do {
            _ = try JSONValue(parsing: "[1, x]")
            Issue.record("expected an error")
        } catch {
            #expect(error.offset == 4)
            #expect(error.reason == .unexpectedByte)
        }
    }
}
