import SigmarisEngine
import SigmarisJSON

/// One server-sent event this server writes to its own clients (WHATWG HTML, "Server-sent events").
///
/// Only the writing side lives here, with the routes that stream. What this service reads from its
/// upstreams (an OpenAI-compatible provider, a remote core) is decoded on the client side, by
/// SigmarisCurl's `ServerSentEventDecoder`, into its `ServerSentEvent`.
struct OutgoingEvent: Sendable, Equatable {
    /// The `event` field: `start`, `delta`, `done`, `error`.
    var name: String
    /// The `data`: one JSON document in every event this server sends.
    var data: String

    /// An event whose data is `value` as compact JSON.
    static func json(_ name: String, _ value: some Encodable) throws -> OutgoingEvent {
        OutgoingEvent(name: name, data: try JSONValueEncoder().encode(value).serialized())
    }

    /// The event in wire form, ending with the empty line that dispatches it: `event: …`, then one
    /// `data:` line per line of `data` (split at LF, CR and CRLF, which a decoder reads back as
    /// "\n"; compact JSON has none, but a writer must not let one end the event early).
    ///
    /// A line break in `name` would end the field early and let its text forge fields, so it is
    /// replaced with a space.
    func encoded() -> String {
        var text = "event: " + String(name.unicodeScalars.map { $0 == "\r" || $0 == "\n" ? " " : Character($0) }) + "\n"
        for line in data.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r" || $0 == "\r\n" }) {
            text += "data: " + line + "\n"
        }
        return text + "\n"
    }
}
