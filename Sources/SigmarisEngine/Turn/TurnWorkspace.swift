/// What the stages of one turn share while they run (docs/engine.md §1): the inputs, the values
/// derived from them before any stage (session id, overload score), the embeddings fetched so far
/// and the trace being recorded.
///
/// One per turn, never shared: the stages take it `inout` in the order `PersonaEngine.runTurn` lists.
struct TurnWorkspace {
    let request: TurnRequest
    /// The user's state before the turn.
    let state: PersonaState
    let context: TurnContext
    let message: String
    /// Safety reads the trimmed message; recall, ambiguity and labels read the raw one.
    let trimmedMessage: String
    /// Newest first, at most `Turn.recentEpisodeLimit`.
    let episodes: [Episode]
    /// §1 stage 1.
    let sessionID: String
    /// §1 stage 2.
    let overloadScore: Double
    var embeddings = EmbeddingMemo()
    var trace: TraceRecorder

    /// Derives the session id and overload score and records the `start` event.
    init(request: TurnRequest, state: PersonaState, recentEpisodes: [Episode], context: TurnContext) {
        self.request = request
        self.state = state
        self.context = context
        message = request.message
        trimmedMessage = TextRules.strip(request.message)
        episodes = Array(recentEpisodes.prefix(PersonaConstants.Turn.recentEpisodeLimit))
        sessionID = Self.resolveSessionID(request, context: context)
        overloadScore = DriftMath.clamp(
            Double(TextRules.length(request.message)) / PersonaConstants.Turn.overloadLengthDivisor, 0, 1
        )
        trace = TraceRecorder(textTracing: context.textTracing)
        trace.record(PersonaConstants.Trace.start, [
            "user_id": .string(request.userID),
            "session_id": .string(sessionID),
            "message_len": .number(TextRules.length(message)),
            "message_preview": trace.preview(message),
            "overload_score": .number(overloadScore),
            "reward_signal": .number(request.rewardSignal),
            "episode_count": .number(episodes.count),
        ])
    }

    /// The request's session id, or `"{user_id}:{32 hex}"` when it is absent or empty.
    static func resolveSessionID(_ request: TurnRequest, context: TurnContext) -> String {
        if let sessionID = request.sessionID, !sessionID.isEmpty { return sessionID }
        return request.userID + PersonaConstants.Turn.defaultSessionSeparator + context.defaultSessionSuffix
    }
}
