import HTTPTypes
import HummingbirdTesting
import SigmarisEngine

/// Reading a streamed turn in tests.
enum SSE {
    struct Event: Equatable {
        var name: String
        var data: JSONValue
    }

    static func headers(_ token: String) -> HTTPFields {
        var fields = API.bearer(token)
        fields[.accept] = "text/event-stream"
        return fields
    }

    /// The events of a whole response body (every test stream is short and ends).
    static func events(_ text: String) throws -> [Event] {
        try text.components(separatedBy: "\n\n").compactMap { block -> Event? in
            var name = "message", data: [String] = []
            for line in block.split(separator: "\n", omittingEmptySubsequences: true) where !line.hasPrefix(":") {
                if line.hasPrefix("event: ") { name = String(line.dropFirst(7)) }
                if line.hasPrefix("data: ") { data.append(String(line.dropFirst(6))) }
            }
            guard !data.isEmpty else { return nil }
            return Event(name: name, data: try JSONValue(parsing: Array(data.joined(separator: "\n").utf8)))
        }
    }

    static func events(_ response: TestResponse) throws -> [Event] {
        try events(String(buffer: response.body))
    }

    /// The concatenated `delta` texts.
    static func deltaText(_ events: [Event]) -> String {
        events.filter { $0.name == "delta" }.compactMap { $0.data["text"]?.stringValue }.joined()
    }
}
