import Testing
@testable import SigmarisJSON

@Suite("JSON accessors and objects")
struct JSONAccessorTests {

    @Test("typed accessors return nil for other types")
    func accessors() {
        let value: JSONValue = ["n": 3, "x": 2.5, "s": "t", "b": true, "a": [1], "o": ["k": nil]]
        #expect(value["n"]?.intValue == 3)
        #expect(value["x"]?.intValue == nil)
        #expect(value["x"]?.doubleValue == 2.5)
        #expect(value["s"]?.stringValue == "t")
        #expect(value["s"]?.doubleValue == nil)
        #expect(value["b"]?.boolValue == true)
        #expect(value["a"]?[0]?.intValue == 1)
        #expect(value["a"]?[1] == nil)
        #expect(value["o"]?["k"]?.isNull == true)
        #expect(value["missing"] == nil)
        #expect(JSONValue.string("x")["k"] == nil)
    }

    @Test("object subscript replaces in place, appends new keys, removes with nil")
    func objectMutation() {
        var object: JSONObject = ["a": 1, "b": 2]
        object["a"] = 10
        object["c"] = 3
        #expect(object.keys == ["a", "b", "c"])
        #expect(object["a"] == 10)
        object["b"] = nil
        #expect(object.keys == ["a", "c"])
        #expect(object.count == 2)
    }

    @Test("object equality depends on key order")
    func orderMatters() {
        let first: JSONObject = ["a": 1, "b": 2]
        let second: JSONObject = ["b": 2, "a": 1]
        #expect(first != second)
        #expect(first == ["a": 1, "b": 2])
    }
}
