import SigmarisJSON

/// One pipeline step's record, persisted to `sigmaris_trace_events` (event name + JSON fields).
public struct TraceEvent: Sendable, Equatable {
    public var name: String
    public var fields: JSONValue

    public init(name: String, fields: JSONValue) {
        self.name = name
        self.fields = fields
    }
}
