import SigmarisJSON

/// One row of `sigmaris_policies` as the policy routes show it, with how often it triggered.
public struct PolicyRecord: Sendable, Encodable, Equatable {
    public var id: Int
    public var name: String
    public var when: When
    public var action: String
    public var reason: String
    public var enabled: Bool
    /// How many times it triggered (rows of `sigmaris_policy_triggers`), and the newest, or nil.
    public var triggers: Int
    public var lastTriggeredAt: String?
    /// ISO 8601 in UTC with microseconds.
    public var createdAt: String
    public var updatedAt: String

    public struct When: Sendable, Encodable, Equatable {
        public var metric: String
        public var op: String
        public var value: JSONValue
        public var forTurns: Int
    }

    enum CodingKeys: String, CodingKey {
        case id, name, when, action, reason, enabled, triggers, lastTriggeredAt = "last_triggered_at"
        case createdAt = "created_at", updatedAt = "updated_at"
    }
}

/// What a `PATCH /persona/policies/{id}` changes: nil leaves a field as it is. A `when` replaces the
/// stored condition whole (all four fields), so that a change is valid or not by itself, whatever
/// the stored policy is; the policy it leaves is checked whole again.
public struct PolicyChanges: Sendable {
    public var name: String?
    public var metric: String?
    public var op: String?
    public var value: JSONValue?
    public var forTurns: Int?
    public var action: String?
    public var reason: String?
    public var enabled: Bool?
    /// A `when` was given (even an empty one): it must then be a whole condition.
    public var conditionGiven = false

    public init(
        name: String? = nil, metric: String? = nil, op: String? = nil, value: JSONValue? = nil, forTurns: Int? = nil,
        action: String? = nil, reason: String? = nil, enabled: Bool? = nil
    ) {
        self.name = name
        self.metric = metric
        self.op = op
        self.value = value
        self.forTurns = forTurns
        self.action = action
        self.reason = reason
        self.enabled = enabled
    }

    /// The change names a condition (`when`).
    var changesCondition: Bool {
        conditionGiven || metric != nil || op != nil || value != nil || forTurns != nil
    }

    /// A change that could alter which turns match: the policy's streaks start again.
    var restartsStreaks: Bool {
        changesCondition || enabled != nil
    }
}

/// One row of `sigmaris_policy_triggers`: a policy that triggered on a user's turn.
public struct PolicyTriggerRecord: Sendable, Encodable, Equatable {
    public var id: Int
    /// Nil once the policy was deleted (its name stays).
    public var policyID: Int?
    public var policyName: String
    public var userID: String
    public var traceID: String
    public var action: String
    public var createdAt: String

    enum CodingKeys: String, CodingKey {
        case id, policyID = "policy_id", policyName = "policy_name", userID = "user_id", traceID = "trace_id"
        case action, createdAt = "created_at"
    }
}

/// A user a `flag` policy marked for review (`sigmaris_review_flags`, the newest flag per user).
public struct ReviewFlagRecord: Sendable, Encodable, Equatable {
    public var userID: String
    public var policyID: Int?
    public var policyName: String
    public var reason: String
    public var traceID: String?
    public var flaggedAt: String

    enum CodingKeys: String, CodingKey {
        case userID = "user_id", policyID = "policy_id", policyName = "policy_name", reason
        case traceID = "trace_id", flaggedAt = "flagged_at"
    }
}
