import Foundation
import Logging
import SigmarisEngine
import SigmarisStore

/// Runs one persona turn in this process: read the user's state, run the engine, write every row.
///
/// No connection is held while the provider works: the state is read on one short lease, the engine
/// runs with none, and the writes happen in one transaction that only commits if the user's
/// `turn_count` is still the one the turn started from. Concurrency is therefore bounded by the
/// database pool only for the milliseconds of those two steps; the provider calls are bounded by the
/// turns admitted in flight (`TurnAdmission`, `SIGMARIS_MAX_TURNS_IN_FLIGHT`), by the provider's gate
/// (`OutboundGate`: calls in flight, queued, and a breaker that fails them fast while the provider is
/// down) and by one deadline per call (`SIGMARIS_PROVIDER_TIMEOUT`).
struct TurnRunner: Sendable {
    let engine: PersonaEngine
    let store: SigmarisStore
    let locks: UserTurnLock
    let tracing: Bool
    let textTracing: Bool
    let raiseProviderErrors: Bool
    /// Counts completed turns by resulting global state and safety flag.
    var metrics: SigmarisMetrics? = nil
    /// All provider calls of one run of the engine end within this (`TurnProviderBudget`); nil: each
    /// call has only its own deadline.
    var providerBudget: Duration? = nil
    /// How many older episodes recall adds from the archive search (`SIGMARIS_MEMORY=archive`,
    /// `SIGMARIS_ARCHIVE_CANDIDATES`); nil: the recent window only (`window`).
    var archiveCandidates: Int? = nil

    /// Another process can win the optimistic check; with the in-process lock that takes a second
    /// process per retry, so a few attempts are plenty.
    static let maxAttempts = 5

    func newContext() -> TurnContext {
        .random(now: Date(), textTracing: textTracing, raiseProviderErrors: raiseProviderErrors)
    }

    /// Runs one turn; `chat` names the `/api/aei` rows that commit in the turn's transaction.
    ///
    /// With `replyDeltas` the reply streams to it while the provider produces it, and the rows commit
    /// only after the whole reply (and before this returns). A streamed reply cannot be taken back,
    /// so a turn that loses the optimistic check is not recomputed then: it fails as `turn_conflict`.
    func run(
        _ request: TurnRequest, context: TurnContext, logger: Logger, chat: ChatRecord? = nil,
        replyDeltas: ReplyDeltaListener? = nil
    ) async throws -> TurnResult {
        try await locks.withLock(request.userID) {
            for attempt in 1...Self.maxAttempts {
                let userID = request.userID
                // Through the store's recall cache, which the commit below updates.
                let memory = try await store.loadMemory(userID: userID)
                let archive = archiveCandidates.map { limit in
                    ArchiveRecall(source: ArchiveSearchSource(store: store, userID: userID, logger: logger), limit: limit)
                }
                var context = context
                context.now = Date()
                let result = try await TurnProviderBudget.run(within: providerBudget) {
                    try await engine.runTurn(
                        memory.applyingHold(to: request), state: memory.state, recentEpisodes: memory.recentEpisodes, context: context,
                        replyDeltas: replyDeltas, archive: archive)
                }
                // A turn nobody waits for any more (client gone) stores nothing.
                try Task.checkCancellation()
                do {
                    try await store.commitTurn(result, from: memory, userID: userID, tracing: tracing, chat: chat)
                    logger.debug("turn stored", metadata: [
                        "sigmaris.global_state": "\(result.newState.globalState?.rawValue ?? "none")",
                        "sigmaris.turn_count": "\(result.newState.turnCount)",
                    ])
                    metrics?.recordTurn(globalState: result.newState.globalState, safetyFlag: result.safety.flag)
                    return result
                } catch StoreError.turnConflict {
                    guard replyDeltas == nil else { break }
                    logger.info("turn raced another process; recomputing", metadata: ["sigmaris.attempt": "\(attempt)"])
                }
            }
            throw Self.conflict
        }
    }

    static let conflict = APIError(.serviceUnavailable, "Persona is busy; retry", reason: "turn_conflict", headers: [.retryAfter: "1"])
}
