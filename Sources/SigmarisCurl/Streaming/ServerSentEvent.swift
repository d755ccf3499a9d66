/// One event of a `text/event-stream` (WHATWG HTML, "Server-sent events").
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

    /// The event in wire form, ending with the empty line that dispatches it:
    /// `id: …` (when set), `event: …` (when set), then one `data:` line per line of `data`
    /// (split at LF, CR and CRLF, which a decoder reads back as "\n").
    ///
    /// Line breaks in `event` or `id` would end the field early and let its text forge fields,
    /// so they are replaced with spaces.
    public func encoded() -> String {
        var text = ""
        if let id { text += "id: " + Self.singleLine(id) + "\n" }
        if let event { text += "event: " + Self.singleLine(event) + "\n" }
        for line in Self.lines(of: data) {
            text += "data: " + line + "\n"
        }
        return text + "\n"
    }

    private static func singleLine(_ value: String) -> String {
        String(value.unicodeScalars.map { $0 == "\r" || $0 == "\n" ? " " : Character($0) })
    }

    /// `data` split at every LF, CR and CRLF; an empty string is one empty line.
    private static func lines(of data: String) -> [Substring] {
        data.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r" || $0 == "\r\n" }
    }
}
