import SigmarisJSON

/// docs/engine.md §10: the columns `/api/aei` extracts from a turn's meta into `sigmaris_state_snapshots`.
///
/// Each field takes the first candidate path that is present and not null; a value of the wrong
/// type is then nil (stored as SQL null), never an error.
public struct StateSnapshotFields: Sendable, Equatable {
    /// `meta.trace_id`; nil when a remote core sent none or not a string.
    public var traceID: String?
    public var globalState: String?
    public var overloadScore: Double?
    public var reflectiveScore: Double?
    public var memoryPointerCount: Int?
    public var safetyFlag: String?
    public var safetyRiskScore: Double?
    /// A JSON object, or nil.
    public var valueState: JSONValue?
    /// A JSON object, or nil.
    public var traitState: JSONValue?
    /// The whole meta.
    public var meta: JSONValue

    public init(meta: JSONValue) {
        self.meta = meta
        traceID = Self.first(meta, ["trace_id"])?.stringValue
        globalState = Self.first(meta, ["global_state", "state"])?.stringValue
        overloadScore = Self.first(meta, ["controller_meta", "overload_score"], ["global_state", "meta", "overload_score"])?.doubleValue
        reflectiveScore = Self.first(meta, ["global_state", "meta", "reflective_score"])?.doubleValue
        memoryPointerCount = Self.first(meta, ["controller_meta", "memory", "pointer_count"], ["memory", "initial_pointer_count"])?.intValue
            .flatMap(Self.postgresInteger)
        safetyFlag = Self.first(meta, ["safety", "flag"], ["controller_meta", "safety_flag"], ["global_state", "meta", "safety_flag"])?.stringValue
        safetyRiskScore = Self.first(meta, ["safety", "risk_score"])?.doubleValue
        valueState = Self.object(Self.first(meta, ["value", "state"]))
        traitState = Self.object(Self.first(meta, ["trait", "state"]))
    }

    /// The value at the first path that resolves to a non-null value.
    private static func first(_ meta: JSONValue, _ paths: [String]...) -> JSONValue? {
        for path in paths {
            var current: JSONValue? = meta
            for key in path {
                current = current?[key]
            }
            if let current, !current.isNull { return current }
        }
        return nil
    }

    /// The column is a Postgres `integer`: a count outside it is a wrong value, stored as null.
    private static func postgresInteger(_ value: Int) -> Int? {
        Int32(exactly: value) == nil ? nil : value
    }

    private static func object(_ value: JSONValue?) -> JSONValue? {
        guard let value, value.objectValue != nil else { return nil }
        return value
    }
}
