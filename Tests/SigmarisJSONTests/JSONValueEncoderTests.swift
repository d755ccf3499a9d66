import Testing
@testable import SigmarisJSON

@Suite("Encoding typed values into ordered JSON")
struct JSONValueEncoderTests {
    struct Inner: Encodable { var z = 1; var a: [Int] = [3, 2] }
    struct Body: Encodable {
        var success = true
        var name = "n"
        var missing: String?
        var score = 0.25
        var inner = Inner()
        var meta: JSONValue = ["b": 1, "a": [nil, "x"]]
    }

    @Test func keysFollowDeclarationOrderAndNilIsNull() throws {
        let json = try JSONValueEncoder().encode(Body())
        #expect(json.serialized() == #"{"success":true,"name":"n","missing":null,"score":0.25,"inner":{"z":1,"a":[3,2]},"meta":{"b":1,"a":[null,"x"]}}"#)
    }

    @Test func arraysOfObjectsAndScalarsAtTheTop() throws {
        #expect(try JSONValueEncoder().encode([Inner(), Inner(z: 2, a: [])]).serialized() == #"[{"z":1,"a":[3,2]},{"z":2,"a":[]}]"#)
        #expect(try JSONValueEncoder().encode("text").serialized() == #""text""#)
        #expect(try JSONValueEncoder().encode(Optional<Int>.none).serialized() == "null")
    }
}
