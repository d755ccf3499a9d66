import SigmarisJSON

/// A value or trait snapshot row: the new state, this turn's delta and bookkeeping.
public struct StateSnapshot: Sendable, Equatable {
    public var state: JSONValue
    public var delta: JSONValue
    public var meta: JSONValue

    public init(state: JSONValue, delta: JSONValue, meta: JSONValue) {
        self.state = state
        self.delta = delta
        self.meta = meta
    }
}

/// One row of the turn log (`sigmaris_turns`).
public struct TurnRow: Sendable, Equatable {
    public var role: String
    public var content: String
    public var topicHint: String?
    public var emotionHint: String?
    public var importance: Double?
    public var meta: JSONValue

    public init(role: String, content: String, topicHint: String?, emotionHint: String?, importance: Double?, meta: JSONValue) {
        self.role = role
        self.content = content
        self.topicHint = topicHint
        self.emotionHint = emotionHint
        self.importance = importance
        self.meta = meta
    }
}

/// Everything one turn produced: the reply and meta to return, and every row to persist.
public struct TurnResult: Sendable, Equatable {
    public var reply: String
    /// docs/engine.md §9's `meta`, keys in the spec's order.
    public var meta: JSONValue
    /// The session id actually used (the request's, or the default).
    public var sessionID: String
    public var traceID: String
    /// Value, trait and global state after the turn; `turnCount` incremented.
    public var newState: PersonaState
    /// The episode to store (docs/engine.md §2.5).
    public var episode: Episode
    public var valueSnapshot: StateSnapshot
    public var traitSnapshot: StateSnapshot
    public var safety: SafetyAssessment
    public var traceEvents: [TraceEvent]
    /// The user row then the assistant row.
    public var turnRows: [TurnRow]
    public var modelName: String
    /// True when the provider failed and the fixed fallback sentence was used.
    public var usedFallbackReply: Bool
}

/// Why a turn failed. Only the reply provider, or the listener of a streamed reply, can fail a turn.
public enum PersonaEngineError: Error, Sendable, Equatable {
    /// The reply provider failed and `raiseProviderErrors` was on, or it failed in the middle of a
    /// streamed reply (part of it already delivered, so no fallback can replace it); redacted text.
    case providerFailed(String)
    /// The reply provider was not called because the service refused the call (`ProviderRefusal`)
    /// and `raiseProviderErrors` was on. Without it a refusal is a failure like any other (§8).
    case providerRefused(ProviderRefusal)
    /// Nobody waits for the turn any more: its task was cancelled while the provider answered, or
    /// the listener of its streamed reply threw (the client went away). It stops there.
    case abandoned
}
