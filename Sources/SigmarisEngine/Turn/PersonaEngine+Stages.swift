/// The stages of one turn, in the order of docs/engine.md §1; each records its trace event.
extension PersonaEngine {

    /// One batch for everything known up front: the trimmed message (safety), the raw message
    /// (recall, ambiguity) and the summaries of episodes without stored embeddings.
    /// - Returns: the batch's failure, reported with the memory stage.
    func embedKnownTexts(_ turn: inout TurnWorkspace) async -> String? {
        await turn.embeddings.prepare(
            [turn.trimmedMessage] + SelectiveRecall.textsToEmbed(message: turn.message, episodes: turn.episodes),
            using: provider
        )
    }

    /// §6, from the state before the turn and without memory.
    func assessSafety(_ turn: inout TurnWorkspace) async -> SafetyAssessment {
        // Semantics are skipped for an empty text or one without an embedding (§6), so the anchors
        // are not asked for then: a provider that just failed the message's embedding would be
        // called again for nothing, and a silent one would cost every turn a second timeout.
        let textVector = turn.embeddings.vector(for: turn.trimmedMessage)
        let anchorVectors = turn.trimmedMessage.isEmpty || textVector == nil ? [:] : await anchors.anchors(for: provider)
        let safety = SafetyAssessor.assess(
            message: turn.message, value: turn.state.value, trait: turn.state.trait, memoryPointerCount: nil,
            textVector: textVector, anchorVectors: anchorVectors
        )
        turn.trace.record(PersonaConstants.Trace.safetyAssessed, [
            "flag": .string(orNull: safety.flag?.rawValue),
            "risk_score": .number(safety.riskScore),
            "categories": safety.categoriesJSON,
            "anchors_available": .bool(!anchorVectors.isEmpty),
        ])
        return safety
    }

    /// §2: the archive candidates (§2.7, only with `archive` and a full window), recall, then (only
    /// when the message is ambiguous) one more batch for the pointer summaries, then ambiguity,
    /// merge and the record.
    func selectMemory(_ turn: inout TurnWorkspace, firstBatchError: String?, archive: ArchiveRecall?) async -> MemorySelection {
        let message = turn.message
        var archiveError: String?
        var archived: [Episode] = []
        if let archive, archive.limit > 0, turn.episodes.count >= PersonaConstants.Turn.recentEpisodeLimit {
            archived = await archive.source.candidates(
                message: message, vector: turn.embeddings.vector(for: message), limit: archive.limit,
                excluding: turn.episodes.map(\.episodeID))
            // A candidate without a stored embedding is scored by its embedded summary, as a window episode is.
            archiveError = await turn.embeddings.prepare(archived.filter { $0.embedding.isEmpty }.map(\.summary), using: provider)
        }
        let recalled = SelectiveRecall.recall(
            message: message, episodes: turn.episodes, archive: archived, embeddings: turn.embeddings)
        let ambiguityError = await turn.embeddings.prepare(
            AmbiguityResolver.textsToEmbed(message: message, pointers: recalled), using: provider
        )
        let memory = MemorySelector.select(
            message: message, recalled: recalled, episodes: turn.episodes, archive: archived, embeddings: turn.embeddings
        )
        turn.trace.record(PersonaConstants.Trace.memorySelected, [
            "initial_pointer_count": .number(memory.initialPointerCount),
            "pointer_count": .number(memory.pointers.count),
            "has_merged_summary": .bool(memory.mergedSummary != nil),
            "embedding_error": .string(orNull: firstBatchError ?? archiveError ?? ambiguityError),
        ])
        return memory
    }

    /// §3.
    func buildIdentity(_ turn: inout TurnWorkspace, memory: MemorySelection) -> IdentityContext {
        let identity = IdentityContext.build(
            message: turn.message, finalPointerCount: memory.pointers.count, mergedSummary: memory.mergedSummary
        )
        turn.trace.record(PersonaConstants.Trace.identityBuilt, [
            "topic_label": .string(identity.topicLabel),
            "has_past_context": .bool(identity.hasPastContext),
        ])
        return identity
    }

    /// §4, from the value state before the turn.
    func driftValues(
        _ turn: inout TurnWorkspace, identity: IdentityContext, memory: MemorySelection, safety: SafetyAssessment
    ) -> ValueDriftResult {
        let value = ValueDriftEngine.apply(
            current: turn.state.value, identity: identity, finalPointerCount: memory.pointers.count,
            safetyFlag: safety.flag, rewardSignal: turn.request.rewardSignal
        )
        turn.trace.record(PersonaConstants.Trace.valueDrift, ["state": value.newState.json, "delta": value.delta.json])
        return value
    }

    /// §5, from the trait state before the turn and the new value state.
    func driftTraits(
        _ turn: inout TurnWorkspace, identity: IdentityContext, memory: MemorySelection, value: ValueDriftResult
    ) -> TraitDriftResult {
        let trait = TraitDriftEngine.apply(
            current: turn.state.trait, identity: identity, finalPointerCount: memory.pointers.count,
            newValue: value.newState, affect: turn.request.affectSignal
        )
        turn.trace.record(PersonaConstants.Trace.traitDrift, ["state": trait.newState.json, "delta": trait.delta.json])
        return trait
    }

    /// §7, from the new value and trait states.
    func decideGlobalState(
        _ turn: inout TurnWorkspace,
        safety: SafetyAssessment,
        memory: MemorySelection,
        identity: IdentityContext,
        value: ValueDriftResult,
        trait: TraitDriftResult
    ) -> GlobalStateContext {
        let input = GlobalStateInput(
            messageLength: TextRules.length(turn.message),
            finalPointerCount: memory.pointers.count,
            topicLabel: identity.topicLabel,
            value: value.newState,
            trait: trait.newState,
            safetyFlag: safety.flag,
            overloadScore: turn.overloadScore,
            silenceRequested: turn.request.requestsSilence
        )
        let decision = stateMachine.decide(input)
        turn.trace.record(PersonaConstants.Trace.globalState, [
            "state": .string(decision.state.rawValue),
            "prev_state": .string(orNull: turn.state.globalState?.rawValue),
            "reflective_score": .number(decision.reflectiveScore),
            "reasons": .strings(decision.reasons),
        ])
        return GlobalStateContext(
            state: decision.state,
            prevState: turn.state.globalState,
            reasons: decision.reasons,
            meta: GlobalStateContext.meta(decision: decision, input: input, identity: identity, message: turn.message)
        )
    }

    /// §8: the provider's reply, or the fallback sentence (unless provider errors are raised).
    /// With `replyDeltas` the reply is streamed (see `ReplyGeneration` for what changes on failure).
    /// - Returns: the reply and, when the fallback was used, the redacted failure.
    func generateReply(
        _ turn: inout TurnWorkspace,
        memory: MemorySelection,
        identity: IdentityContext,
        value: ValueDriftResult,
        trait: TraitDriftResult,
        globalState: GlobalStateContext,
        replyDeltas: ReplyDeltaListener?
    ) async throws(PersonaEngineError) -> (reply: String, error: String?) {
        let replyRequest = ReplyRequest(
            message: turn.message, userID: turn.request.userID, sessionID: turn.sessionID,
            globalState: globalState.state, prevState: globalState.prevState, stateReasons: globalState.reasons,
            valueState: value.newState, traitState: trait.newState,
            mergedSummary: memory.mergedSummary, identityContext: identity
        )
        let (reply, replyError) = try await ReplyGeneration(
            listener: replyDeltas, raiseProviderErrors: turn.context.raiseProviderErrors
        ).run(replyRequest, provider: provider)
        turn.trace.record(PersonaConstants.Trace.llmGenerated, [
            "model": .string(provider.modelName),
            "reply_len": .number(TextRules.length(reply)),
            "fallback": .bool(replyError != nil),
            "error": .string(orNull: replyError),
            "reply_preview": turn.trace.preview(reply),
        ])
        return (reply, replyError)
    }

    /// §2.5: the turn's episode (its summary is embedded unless this turn already did).
    func makeEpisode(_ turn: inout TurnWorkspace, reply: String) async -> Episode {
        let summary = TextRules.prefix(reply, PersonaConstants.EpisodeStorage.summaryLength)
        let embeddingError = await turn.embeddings.prepare([summary], using: provider)
        let episode = Episode(
            episodeID: turn.context.episodeID,
            timestamp: turn.context.now,
            summary: summary,
            rawContext: turn.message,
            embedding: turn.embeddings.vector(for: summary) ?? [],
            meta: ["trace_id": .string(turn.context.traceID), "session_id": .string(turn.sessionID)]
        )
        turn.trace.record(PersonaConstants.Trace.stored, [
            "episode_id": .string(episode.episodeID),
            "embedding_dimension": .number(episode.embedding.count),
            "embedding_error": .string(orNull: embeddingError),
        ])
        return episode
    }

    /// §9 and §11: the meta, the new state and every row to store; records the closing event.
    func assembleResult(
        _ turn: inout TurnWorkspace,
        parts: TurnParts,
        episode: Episode,
        usedFallbackReply: Bool,
        timingMilliseconds: Int
    ) -> TurnResult {
        let meta = TurnMetaBuilder.meta(parts, timingMilliseconds: timingMilliseconds)
        turn.trace.record(PersonaConstants.Trace.completed, [
            "timing_ms": .number(timingMilliseconds),
            "reply_len": .number(TextRules.length(parts.reply)),
            "global_state": .string(parts.globalState.state.rawValue),
            "memory_pointer_count": .number(parts.memory.initialPointerCount),
            "embed_calls": .number(turn.embeddings.providerCallCount),
        ])
        return TurnResult(
            reply: parts.reply,
            meta: meta,
            sessionID: turn.sessionID,
            traceID: turn.context.traceID,
            newState: PersonaState(
                value: parts.value.newState, trait: parts.trait.newState,
                globalState: parts.globalState.state, turnCount: turn.state.turnCount + 1
            ),
            episode: episode,
            valueSnapshot: TurnMetaBuilder.snapshot(state: parts.value.newState.json, delta: parts.value.delta.json, parts),
            traitSnapshot: TurnMetaBuilder.snapshot(state: parts.trait.newState.json, delta: parts.trait.delta.json, parts),
            safety: parts.safety,
            traceEvents: turn.trace.events,
            turnRows: TurnMetaBuilder.turnRows(parts),
            modelName: provider.modelName,
            usedFallbackReply: usedFallbackReply
        )
    }
}
