/// One event of a `text/event-stream` (WHATWG HTML, "Server-sent events"), as
/// ``ServerSentEventDecoder`` reads it from an upstream's response. (The events this service writes
/// to its own clients are SigmarisApp's: `Streaming/OutgoingEvent`.)
public struct ServerSentEvent: Sendable, Equatable {
    /// The `event` field; nil when the event had none (a browser calls that type "message").
    public var event: String?
    /// The `data` lines, joined with "\n".
    public var data: String
    /// The last `id` field seen in the stream so far (it carries over to later events); nil
    /// before the first one.
    public var id: String?

    public init(event: String? = nil, data: String, id: String? = nil) {
        self.event = event
        self.data = data
        self.id = id
    }
}
