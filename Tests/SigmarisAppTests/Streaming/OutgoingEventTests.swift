import SigmarisCurl
import Testing

@testable import SigmarisApp

/// The server's writing side of server-sent events, read back by the client side's decoder.
@Suite("Outgoing server-sent events")
struct OutgoingEventTests {
    static func decoded(_ text: String) -> [ServerSentEvent] {
        var decoder = ServerSentEventDecoder()
        return decoder.feed(Array(text.utf8)) + decoder.finish()
    }

    @Test("encoded() round-trips through the decoder", arguments: [
        OutgoingEvent(name: "delta", data: #"{"text":"Hel"}"#),
        OutgoingEvent(name: "done", data: ""),
        OutgoingEvent(name: "done", data: "line one\nline two\n\nline four"),
        OutgoingEvent(name: "start", data: " leading space, trailing\n"),
        OutgoingEvent(name: "error", data: ": not a comment"),
    ])
    func roundTrip(event: OutgoingEvent) {
        #expect(Self.decoded(event.encoded()) == [ServerSentEvent(event: event.name, data: event.data)])
    }

    @Test("encoded() writes the wire form")
    func wireForm() throws {
        #expect(OutgoingEvent(name: "delta", data: #"{"text":"a"}"#).encoded() == "event: delta\ndata: {\"text\":\"a\"}\n\n")
        #expect(OutgoingEvent(name: "done", data: "a\r\nb\rc").encoded() == "event: done\ndata: a\ndata: b\ndata: c\n\n")
        // A line break in the event name cannot forge a field.
        #expect(OutgoingEvent(name: "x\ndata: forged", data: "y").encoded() == "event: x data: forged\ndata: y\n\n")
        #expect(try OutgoingEvent.json("delta", ["text": "a\nb"]).encoded() == "event: delta\ndata: {\"text\":\"a\\nb\"}\n\n")
    }
}
