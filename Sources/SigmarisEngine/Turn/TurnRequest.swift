/// One user message to run through the engine (docs/engine.md §1's input).
public struct TurnRequest: Sendable, Equatable {
    public var userID: String
    /// Nil or empty: the engine uses `"{user_id}:{32 hex}"`.
    public var sessionID: String?
    public var message: String
    public var rewardSignal: Double
    public var affectSignal: AffectSignal?
    /// An explicit operator/user command to answer minimally: the only way into SILENT.
    public var requestsSilence: Bool

    public init(
        userID: String,
        sessionID: String? = nil,
        message: String,
        rewardSignal: Double = 0,
        affectSignal: AffectSignal? = nil,
        requestsSilence: Bool = false
    ) {
        self.userID = userID
        self.sessionID = sessionID
        self.message = message
        self.rewardSignal = rewardSignal
        self.affectSignal = affectSignal
        self.requestsSilence = requestsSilence
    }
}

extension TurnRequest {
    /// The session id the turn runs and is stored under with `context`: this request's, or the
    /// engine's `"{user_id}:{32 hex}"` when it has none; known before the turn runs, for a stream's
    /// `start` event.
    public func resolvedSessionID(context: TurnContext) -> String {
        TurnWorkspace.resolveSessionID(self, context: context)
    }
}
