/// Runs one persona turn (docs/engine.md §1) from a request, the user's state and recent episodes.
///
/// Pure apart from the provider calls: the caller loads the state and episodes, passes ids and time
/// in `TurnContext`, and persists what `TurnResult` hands back.
public struct PersonaEngine: Sendable {
    public let provider: any PersonaProvider
    public let anchors: SafetyAnchorCache
    let stateMachine = GlobalStateMachine()

    public init(provider: any PersonaProvider, anchors: SafetyAnchorCache) {
        self.provider = provider
        self.anchors = anchors
    }

    /// The stages of §1, in order (each is in `PersonaEngine+Stages.swift`).
    ///
    /// - Parameters:
    ///   - recentEpisodes: the user's episodes, newest first (only the first 50 are read).
    ///   - replyDeltas: when set, the reply is streamed to it piece by piece as the provider
    ///     produces it (see `ReplyGeneration`); the meta and every row are the same as without it.
    ///   - archive: where recall's archive candidates come from (§2.7); nil: recall reads the
    ///     recent window only, as the reference does (`SIGMARIS_MEMORY=window`).
    /// - Throws: `.providerFailed` when the reply provider fails and `context.raiseProviderErrors`
    ///   is on (`.providerRefused` when the call was refused before it was sent), or fails after
    ///   part of a streamed reply was delivered; `.abandoned` when
    ///   `replyDeltas` throws or the task is cancelled while the provider answers. Embedding
    ///   failures never fail a turn.
    public func runTurn(
        _ request: TurnRequest,
        state: PersonaState,
        recentEpisodes: [Episode],
        context: TurnContext,
        replyDeltas: ReplyDeltaListener? = nil,
        archive: ArchiveRecall? = nil
    ) async throws(PersonaEngineError) -> TurnResult {
        let clock = ContinuousClock()
        let started = clock.now
        var turn = TurnWorkspace(request: request, state: state, recentEpisodes: recentEpisodes, context: context)
        let firstBatchError = await embedKnownTexts(&turn)

        let safety = await assessSafety(&turn)
        let memory = await selectMemory(&turn, firstBatchError: firstBatchError, archive: archive)
        let identity = buildIdentity(&turn, memory: memory)
        let value = driftValues(&turn, identity: identity, memory: memory, safety: safety)
        let trait = driftTraits(&turn, identity: identity, memory: memory, value: value)
        let globalState = decideGlobalState(
            &turn, safety: safety, memory: memory, identity: identity, value: value, trait: trait
        )
        let reply = try await generateReply(
            &turn, memory: memory, identity: identity, value: value, trait: trait, globalState: globalState,
            replyDeltas: replyDeltas
        )
        let episode = await makeEpisode(&turn, reply: reply.reply)

        let parts = TurnParts(
            request: request, context: context, sessionID: turn.sessionID, overloadScore: turn.overloadScore,
            safety: safety, memory: memory, identity: identity, value: value, trait: trait,
            globalState: globalState, reply: reply.reply
        )
        return assembleResult(
            &turn, parts: parts, episode: episode, usedFallbackReply: reply.error != nil,
            timingMilliseconds: Self.milliseconds(clock.now - started)
        )
    }

    static func milliseconds(_ duration: Duration) -> Int {
        let components = duration.components
        return Int(components.seconds) * 1000 + Int(components.attoseconds / 1_000_000_000_000_000)
    }
}
