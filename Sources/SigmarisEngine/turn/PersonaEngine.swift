/// Runs one persona turn (docs/engine.md §1) from a request, the user's state and recent episodes.
///
/// Pure apart from the provider calls: the caller loads the state and episodes, passes ids and time
/// in `TurnContext`, and persists what `TurnResult` hands back.
public struct PersonaEngine: Sendable {
    public let provider: any PersonaProvider
    public let anchors: SafetyAnchorCache
    private let stateMachine = GlobalStateMachine()

    public init(provider: any PersonaProvider, anchors: SafetyAnchorCache) {
        self.provider = provider
        self.anchors = anchors
    }

    /// - Parameter recentEpisodes: the user's episodes, newest first (only the first 50 are read).
    /// - Throws: only `.providerFailed` when the reply provider fails and
    ///   `context.raiseProviderErrors` is on. Embedding failures never fail a turn.
    public func runTurn(
        _ request: TurnRequest,
        state: PersonaState,
        recentEpisodes: [Episode],
        context: TurnContext
    ) async throws(PersonaEngineError) -> TurnResult {
        let clock = ContinuousClock()
        let started = clock.now
        let message = request.message
        let trimmedMessage = TextRules.strip(message)
        let episodes = Array(recentEpisodes.prefix(PersonaConstants.Turn.recentEpisodeLimit))
        let sessionID = Self.resolveSessionID(request, context: context)
        let overloadScore = DriftMath.clamp(
            Double(TextRules.length(message)) / PersonaConstants.Turn.overloadLengthDivisor, 0, 1
        )
        var trace = TraceRecorder(textTracing: context.textTracing)
        trace.record(PersonaConstants.Trace.start, [
            "user_id": .string(request.userID),
            "session_id": .string(sessionID),
            "message_len": .number(TextRules.length(message)),
            "message_preview": trace.preview(message),
            "overload_score": .number(overloadScore),
            "reward_signal": .number(request.rewardSignal),
            "episode_count": .number(episodes.count),
        ])

        // One batch for everything known up front: the trimmed message (safety), the raw message
        // (recall, ambiguity) and the summaries of episodes without stored embeddings.
        var embeddings = EmbeddingMemo()
        let firstBatchError = await embeddings.prepare(
            [trimmedMessage] + SelectiveRecall.textsToEmbed(message: message, episodes: episodes),
            using: provider
        )

        // 4) Safety, from the state before the turn and without memory.
        let anchorVectors = trimmedMessage.isEmpty ? [:] : await anchors.anchors(for: provider)
        let safety = SafetyAssessor.assess(
            message: message, value: state.value, trait: state.trait, memoryPointerCount: nil,
            textVector: embeddings.vector(for: trimmedMessage), anchorVectors: anchorVectors
        )
        trace.record(PersonaConstants.Trace.safetyAssessed, [
            "flag": .string(orNull: safety.flag?.rawValue),
            "risk_score": .number(safety.riskScore),
            "categories": safety.categoriesJSON,
            "anchors_available": .bool(!anchorVectors.isEmpty),
        ])

        // 5) Memory: recall, then (only when ambiguous) one more batch for the pointer summaries.
        let recalled = SelectiveRecall.recall(message: message, episodes: episodes, embeddings: embeddings)
        let ambiguityError = await embeddings.prepare(
            AmbiguityResolver.textsToEmbed(message: message, pointers: recalled), using: provider
        )
        let memory = MemorySelector.select(message: message, recalled: recalled, episodes: episodes, embeddings: embeddings)
        trace.record(PersonaConstants.Trace.memorySelected, [
            "initial_pointer_count": .number(memory.initialPointerCount),
            "pointer_count": .number(memory.pointers.count),
            "has_merged_summary": .bool(memory.mergedSummary != nil),
            "embedding_error": .string(orNull: firstBatchError ?? ambiguityError),
        ])

        // 6) Identity.
        let identity = IdentityContext.build(
            message: message, finalPointerCount: memory.pointers.count, mergedSummary: memory.mergedSummary
        )
        trace.record(PersonaConstants.Trace.identityBuilt, [
            "topic_label": .string(identity.topicLabel),
            "has_past_context": .bool(identity.hasPastContext),
        ])

        // 7) Value drift, from the state before the turn.
        let value = ValueDriftEngine.apply(
            current: state.value, identity: identity, finalPointerCount: memory.pointers.count,
            safetyFlag: safety.flag, rewardSignal: request.rewardSignal
        )
        trace.record(PersonaConstants.Trace.valueDrift, ["state": value.newState.json, "delta": value.delta.json])

        // 8) Trait drift, using the new value state.
        let trait = TraitDriftEngine.apply(
            current: state.trait, identity: identity, finalPointerCount: memory.pointers.count,
            newValue: value.newState, affect: request.affectSignal
        )
        trace.record(PersonaConstants.Trace.traitDrift, ["state": trait.newState.json, "delta": trait.delta.json])

        // 9) Global state.
        let stateInput = GlobalStateInput(
            messageLength: TextRules.length(message),
            finalPointerCount: memory.pointers.count,
            topicLabel: identity.topicLabel,
            value: value.newState,
            trait: trait.newState,
            safetyFlag: safety.flag,
            overloadScore: overloadScore,
            silenceRequested: request.requestsSilence
        )
        let decision = stateMachine.decide(stateInput)
        let globalState = GlobalStateContext(
            state: decision.state,
            prevState: state.globalState,
            reasons: decision.reasons,
            meta: GlobalStateContext.meta(decision: decision, input: stateInput, identity: identity, message: message)
        )
        trace.record(PersonaConstants.Trace.globalState, [
            "state": .string(decision.state.rawValue),
            "prev_state": .string(orNull: state.globalState?.rawValue),
            "reflective_score": .number(decision.reflectiveScore),
            "reasons": .strings(decision.reasons),
        ])

        // 10) Reply.
        let replyRequest = ReplyRequest(
            message: message, userID: request.userID, sessionID: sessionID,
            globalState: decision.state, prevState: state.globalState, stateReasons: decision.reasons,
            valueState: value.newState, traitState: trait.newState,
            mergedSummary: memory.mergedSummary, identityContext: identity
        )
        let reply: String
        var replyError: String?
        do {
            let text = try await provider.reply(to: replyRequest)
            // An empty completion is no answer; treat it like a failure (the reference does too).
            guard !TextRules.strip(text).isEmpty else { throw EmptyReplyError() }
            reply = text
        } catch {
            let description = ProviderErrorRedaction.describe(error)
            if context.raiseProviderErrors { throw .providerFailed(description) }
            reply = PersonaConstants.Turn.providerFallbackReply
            replyError = description
        }
        trace.record(PersonaConstants.Trace.llmGenerated, [
            "model": .string(provider.modelName),
            "reply_len": .number(TextRules.length(reply)),
            "fallback": .bool(replyError != nil),
            "error": .string(orNull: replyError),
            "reply_preview": trace.preview(reply),
        ])

        // 11) The turn's episode (its summary is embedded unless this turn already did).
        let episodeSummary = TextRules.prefix(reply, PersonaConstants.EpisodeStorage.summaryLength)
        let episodeError = await embeddings.prepare([episodeSummary], using: provider)
        let episode = Episode(
            episodeID: context.episodeID,
            timestamp: context.now,
            summary: episodeSummary,
            rawContext: message,
            embedding: embeddings.vector(for: episodeSummary) ?? [],
            meta: ["trace_id": .string(context.traceID), "session_id": .string(sessionID)]
        )
        trace.record(PersonaConstants.Trace.stored, [
            "episode_id": .string(episode.episodeID),
            "embedding_dimension": .number(episode.embedding.count),
            "embedding_error": .string(orNull: episodeError),
        ])

        let parts = TurnParts(
            request: request, context: context, sessionID: sessionID, overloadScore: overloadScore,
            safety: safety, memory: memory, identity: identity, value: value, trait: trait,
            globalState: globalState, reply: reply
        )
        let timingMilliseconds = Self.milliseconds(clock.now - started)
        let meta = TurnMetaBuilder.meta(parts, timingMilliseconds: timingMilliseconds)
        trace.record(PersonaConstants.Trace.completed, [
            "timing_ms": .number(timingMilliseconds),
            "reply_len": .number(TextRules.length(reply)),
            "global_state": .string(decision.state.rawValue),
            "memory_pointer_count": .number(memory.initialPointerCount),
            "embed_calls": .number(embeddings.providerCallCount),
        ])

        return TurnResult(
            reply: reply,
            meta: meta,
            sessionID: sessionID,
            traceID: context.traceID,
            newState: PersonaState(
                value: value.newState, trait: trait.newState,
                globalState: decision.state, turnCount: state.turnCount + 1
            ),
            episode: episode,
            valueSnapshot: TurnMetaBuilder.snapshot(state: value.newState.json, delta: value.delta.json, parts),
            traitSnapshot: TurnMetaBuilder.snapshot(state: trait.newState.json, delta: trait.delta.json, parts),
            safety: safety,
            traceEvents: trace.events,
            turnRows: TurnMetaBuilder.turnRows(parts),
            modelName: provider.modelName,
            usedFallbackReply: replyError != nil
        )
    }

    /// The request's session id, or `"{user_id}:{32 hex}"` when it is absent or empty.
    static func resolveSessionID(_ request: TurnRequest, context: TurnContext) -> String {
        if let sessionID = request.sessionID, !sessionID.isEmpty { return sessionID }
        return request.userID + PersonaConstants.Turn.defaultSessionSeparator + context.defaultSessionSuffix
    }

    static func milliseconds(_ duration: Duration) -> Int {
        let components = duration.components
        return Int(components.seconds) * 1000 + Int(components.attoseconds / 1_000_000_000_000_000)
    }
}

/// A provider returned only whitespace.
struct EmptyReplyError: Error, CustomStringConvertible {
    var description: String { "empty completion content" }
}
