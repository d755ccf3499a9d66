import SigmarisEngine
import SigmarisJSON

/// What an operator can do to one user's persona (`POST /persona/state`).
public enum OperatorAction: String, Sendable, CaseIterable, Encodable {
    /// Every turn of the user runs with the engine's explicit silence command until `resume`.
    case silence
    /// Back to the state machine.
    case resume
    /// Value and trait state back to the engine's initial states; history is kept.
    case reset
}

/// One row of `sigmaris_operator_actions`, as the operator routes show it.
public struct OperatorActionRecord: Sendable, Encodable, Equatable {
    public var id: Int
    public var action: String
    public var reason: String
    /// `service` for the service credential, otherwise the operator's user id.
    public var operatorName: String
    /// ISO 8601 in UTC with microseconds.
    public var createdAt: String

    enum CodingKeys: String, CodingKey {
        case id, action, reason, operatorName = "operator", createdAt = "created_at"
    }
}

/// A user's persona as an operator sees it (`GET /persona/state`).
public struct OperatorUserState: Sendable, Encodable {
    public var userID: String
    public var globalState: String?
    public var valueState: JSONValue
    public var traitState: JSONValue
    public var turnCount: Int
    /// An operator's `silence` is in force.
    public var silenced: Bool
    public var updatedAt: String
    /// Newest first, at most `OperatorControlStore.recentActionLimit`.
    public var actions: [OperatorActionRecord]
    /// The newest row of `sigmaris_state_snapshots` (users with a UUID id only), or nil.
    public var latestSnapshot: StateSnapshot?

    enum CodingKeys: String, CodingKey {
        case userID = "user_id", globalState = "global_state", valueState = "value_state"
        case traitState = "trait_state", turnCount = "turn_count", silenced, updatedAt = "updated_at"
        case actions, latestSnapshot = "latest_snapshot"
    }
}
