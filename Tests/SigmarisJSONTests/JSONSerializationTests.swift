import Testing
@testable import SigmarisJSON

@Suite("JSON serialization")
struct JSONSerializationTests {

    @Test("object keys keep insertion order")
    func keyOrder() {
        let value: JSONValue = ["zeta": 1, "alpha": 2, "mid": ["b": true, "a": nil]]
        #expect(value.serialized() == #"{"zeta":1,"alpha":2,"mid":{"b":true,"a":null}}"#)
    }

    @Test("integral numbers have no fraction, others use the shortest form")
    func numbers() {
        #expect(JSONValue.number(3).serialized() == "3")
        #expect(JSONValue.number(-0.0).serialized() == "0")
        #expect(JSONValue.number(0.1).serialized() == "0.1")
        #expect(JSONValue.number(-2.5).serialized() == "-2.5")
        #expect(JSONValue.number(9_007_199_254_740_992).serialized() == "9007199254740992")
        #expect(JSONValue.number(1e300).serialized() == "1e+300")
        #expect(JSONValue.number(0.00001).serialized() == "1e-05")
    }

    @Test("non-finite numbers become null")
    func nonFinite() {
        let value: JSONValue = [.number(.nan), .number(.infinity), .number(-.infinity)]
        #expect(value.serialized() == "[null,null,null]")
    }

    @Test("strings escape quotes, backslashes and control characters")
    func escaping() {
        let text = "a\"b\\c\nd\re\tf\u{08}g\u{0C}h\u{01}i\u{1F}j/k"
        #expect(JSONValue.string(text).serialized() == #""a\"b\\c\nd\re\tf\bg\fh\u0001i\u001fj/k""#)
    }

    @Test("escapes at the edges of a string and between multi-byte scalars")
    func escapingAtEdges() {
        #expect(JSONValue.string("").serialized() == #""""#)
        #expect(JSONValue.string("\"").serialized() == #""\"""#)
        #expect(JSONValue.string("\n過去\n").serialized() == "\"\\n過去\\n\"")
        #expect(JSONValue.string("é\u{7F}\u{1F}😀").serialized() == "\"é\u{7F}\\u001f😀\"")
        // A string made from a slice of a larger one.
        let slice = "xx\"覚えて\"yy".dropFirst(2).dropLast(2)
        #expect(JSONValue.string(String(slice)).serialized() == #""\"覚えて\"""#)
    }

    @Test("non-ASCII text is written as UTF-8, not escaped")
    func unicode() {
        #expect(JSONValue.string("【関連する過去文脈】😀").serialized() == "\"【関連する過去文脈】😀\"")
    }

    @Test("empty containers")
    func emptyContainers() {
        #expect(JSONValue.array([]).serialized() == "[]")
        #expect(JSONValue.object(JSONObject()).serialized() == "{}")
    }
}
