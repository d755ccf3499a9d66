import Foundation
import HTTPTypes
import HummingbirdTesting
import SigmarisCurl
import SigmarisEngine
import SigmarisJSON

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
        var decoder = ServerSentEventDecoder()
        return try (decoder.feed(text.utf8) + decoder.finish()).map { event in
            Event(name: event.event ?? "message", data: try JSONValue(parsing: Array(event.data.utf8)))
        }
    }

    static func events(_ response: TestResponse) throws -> [Event] {
        try events(String(buffer: response.body))
    }

    /// `POST /api/aei` with `{"text": text}` as `user`, asking for a stream; its events.
    static func aei(_ client: some TestClientProtocol, user: UUID, text: String) async throws -> [Event] {
        try await client.execute(
            uri: "/api/aei", method: .post, headers: headers(API.userToken(user)),
            body: API.body(try JSONValueEncoder().encode(["text": text]).serialized())
        ) { response in try events(response) }
    }

    /// The concatenated `delta` texts.
    static func deltaText(_ events: [Event]) -> String {
        events.filter { $0.name == "delta" }.compactMap { $0.data["text"]?.stringValue }.joined()
    }
}
