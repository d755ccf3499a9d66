import SigmarisEngine
import SigmarisJSON
import Testing

/// The checker the drift test relies on: a checker that accepted everything would make the drift
/// test pass whatever the routes answer.
@Suite("OpenAPI checker")
struct OpenAPICheckerTests {
    static let document: JSONValue = try! JSONValue(parsing: Array(#"""
    {"components": {"schemas": {
      "Pair": {"type": "object", "properties": {"user": {"type": "string"}, "n": {"type": ["integer", "null"]}},
               "required": ["user"], "additionalProperties": false},
      "List": {"type": "object", "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/Pair"}},
               "kind": {"enum": ["a", "b"]}, "ok": {"const": true}, "either": {"oneOf": [{"type": "string"}, {"type": "null"}]}}},
      "Odd": {"type": "object", "minProperties": 1},
      "Id": {"type": "string", "minLength": 1, "maxLength": 3, "pattern": "^[^\\x00-\\x1f]*$"}
    }}}
    """#.utf8))
    static let checker = JSONSchemaSubset(document: document)
    static let list: JSONValue = ["$ref": "#/components/schemas/List"]

    static func problems(_ json: String, _ schema: JSONValue = list) throws -> [String] {
        checker.problems(try JSONValue(parsing: Array(json.utf8)), schema)
    }

    @Test func aConformingValuePasses() throws {
        #expect(try Self.problems(#"{"items": [{"user": "a", "n": 1}, {"user": "b", "n": null}], "kind": "a", "ok": true, "either": null}"#) == [])
    }

    @Test(arguments: [
        #"{"items": [{"n": 1}]}"#,                  // required member missing
        #"{"items": [{"user": "a", "extra": 1}]}"#, // undeclared member
        #"{"items": [{"user": 5}]}"#,               // wrong type
        #"{"items": [{"user": "a", "n": 1.5}]}"#,   // not an integer
        #"{"items": {"user": "a"}}"#,               // an object for an array
        #"{"kind": "c"}"#,                          // not in the enum
        #"{"ok": false}"#,                          // not the constant
        #"{"either": 3}"#,                          // matches no alternative
        #"[]"#,                                     // not an object
    ])
    func aWrongValueIsReported(json: String) throws {
        #expect(try Self.problems(json) != [], "\(json)")
    }

    @Test func stringLengthsCountUnicodeScalarsAndPatternsAreAnchoredAsInECMAScript() throws {
        let id: JSONValue = ["$ref": "#/components/schemas/Id"]
        #expect(try Self.problems(#""abc""#, id) == [])
        #expect(try Self.problems(#""e\u0301é""#, id) == [], "3 scalars, 2 grapheme clusters")
        #expect(try Self.problems(#""""#, id) != [], "under minLength")
        #expect(try Self.problems(#""abcd""#, id) != [], "over maxLength")
        #expect(try Self.problems(#""a\tb""#, id) != [], "a control character")
        #expect(try Self.problems(#""ab\n""#, id) != [], "$ is the end of the string, not a final line break")
        #expect(try Self.problems("7", id) != [], "not a string")
    }

    @Test func aKeywordTheCheckerDoesNotKnowIsReportedNotIgnored() throws {
        #expect(try Self.problems(#"{"a": 1}"#, ["$ref": "#/components/schemas/Odd"]) == ["$: the keyword minProperties is not supported by this checker"])
        #expect(try Self.problems(#"{}"#, ["$ref": "#/components/schemas/Missing"]) != [])
    }

    static let streamMedia: JSONValue = [
        "x-sse-events": [
            "delta": ["type": "object", "properties": ["text": ["type": "string"]], "required": ["text"]],
            "done": ["type": "object", "required": ["reply"]],
            "error": ["type": "object", "required": ["error", "reason"]],
        ],
    ]

    static func streamProblems(_ text: String) -> [String] {
        DocumentConformance(document: OpenAPIDocument(root: document)).checkStream(text, media: streamMedia)
    }

    @Test func aStreamIsCheckedEventByEvent() {
        let good = ": keep-alive\n\nevent: delta\ndata: {\"text\":\"Hel\"}\n\nevent: delta\ndata: {\"text\":\"lo\"}\n\nevent: done\ndata: {\"reply\":\"Hello\"}\n\n"
        #expect(Self.streamProblems(good) == [])
        #expect(Self.streamProblems("event: delta\ndata: {\"text\":\"Hi\"}\n\nevent: error\ndata: {\"error\":\"x\",\"reason\":\"provider_failed\"}\n\n") == [])
        #expect(Self.streamProblems("event: delta\ndata: {\"text\":\"Hel\"}\n\nevent: done\ndata: {\"reply\":\"Hello\"}\n\n") != [], "deltas short of the reply")
        #expect(Self.streamProblems("event: delta\ndata: {\"text\":1}\n\nevent: done\ndata: {\"reply\":\"\"}\n\n") != [], "a delta off its schema")
        #expect(Self.streamProblems("event: progress\ndata: {}\n\nevent: done\ndata: {\"reply\":\"\"}\n\n") != [], "an undocumented event")
        #expect(Self.streamProblems("event: delta\ndata: {\"text\":\"Hi\"}\n\n") != [], "no done or error at the end")
    }

    @Test func eventsAreParsedAsTheSpecificationSays() {
        let events = ReceivedEvent.parse(": comment\r\nevent: done\r\ndata: {\"a\":\r\ndata: 1}\r\n\r\ndata: plain\n\n")
        #expect(events == [ReceivedEvent(event: "done", data: "{\"a\":\n1}"), ReceivedEvent(event: "message", data: "plain")])
    }
}
