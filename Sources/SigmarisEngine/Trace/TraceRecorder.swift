import SigmarisJSON

/// Collects a turn's trace events in pipeline order.
struct TraceRecorder {
    let textTracing: Bool
    private(set) var events: [TraceEvent] = []

    init(textTracing: Bool) {
        self.textTracing = textTracing
    }

    mutating func record(_ name: String, _ fields: JSONObject) {
        events.append(TraceEvent(name: name, fields: .object(fields)))
    }

    /// A text preview when text tracing is on, else "" (user text stays out of logs by default).
    func preview(_ text: String) -> JSONValue {
        .string(textTracing ? TextRules.prefix(text, PersonaConstants.Turn.ioPreviewLength) : "")
    }
}
