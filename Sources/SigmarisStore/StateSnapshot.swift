import SigmarisEngine
import SigmarisJSON

/// One row of `sigmaris_state_snapshots` as the state APIs show it (`/api/state/latest`).
/// Keys and their order are the contract's; absent values are `null`.
public struct StateSnapshot: Sendable, Encodable, Equatable {
    public var id: Int
    public var sessionID: String?
    public var traceID: String?
    public var globalState: String?
    public var overloadScore: Double?
    public var reflectiveScore: Double?
    public var memoryPointerCount: Int?
    public var safetyFlag: String?
    public var safetyRiskScore: Double?
    public var valueState: JSONValue?
    public var traitState: JSONValue?
    /// ISO 8601 in UTC with microseconds, as Supabase's REST API writes timestamps.
    public var createdAt: String

    enum CodingKeys: String, CodingKey {
        case id, sessionID = "session_id", traceID = "trace_id", globalState = "global_state"
        case overloadScore = "overload_score", reflectiveScore = "reflective_score"
        case memoryPointerCount = "memory_pointer_count", safetyFlag = "safety_flag"
        case safetyRiskScore = "safety_risk_score", valueState = "value_state", traitState = "trait_state"
        case createdAt = "created_at"
    }
}

/// One point of `/api/state/timeseries`: a snapshot without its session and trace ids, in the
/// contract's order (risk score before flag).
public struct StateSnapshotPoint: Sendable, Encodable, Equatable {
    public var id: Int
    public var globalState: String?
    public var overloadScore: Double?
    public var reflectiveScore: Double?
    public var memoryPointerCount: Int?
    public var safetyRiskScore: Double?
    public var safetyFlag: String?
    public var valueState: JSONValue?
    public var traitState: JSONValue?
    public var createdAt: String

    enum CodingKeys: String, CodingKey {
        case id, globalState = "global_state", overloadScore = "overload_score", reflectiveScore = "reflective_score"
        case memoryPointerCount = "memory_pointer_count", safetyRiskScore = "safety_risk_score"
        case safetyFlag = "safety_flag", valueState = "value_state", traitState = "trait_state"
        case createdAt = "created_at"
    }

    init(_ snapshot: StateSnapshot) {
        id = snapshot.id
        globalState = snapshot.globalState
        overloadScore = snapshot.overloadScore
        reflectiveScore = snapshot.reflectiveScore
        memoryPointerCount = snapshot.memoryPointerCount
        safetyRiskScore = snapshot.safetyRiskScore
        safetyFlag = snapshot.safetyFlag
        valueState = snapshot.valueState
        traitState = snapshot.traitState
        createdAt = snapshot.createdAt
    }
}
