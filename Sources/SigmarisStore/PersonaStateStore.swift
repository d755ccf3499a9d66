import Foundation
import SigmarisEngine
import SigmarisJSON
import SigmarisPostgres

/// What a turn starts from: the user's persisted state and recent episodes.
public struct PersonaMemory: Sendable {
    public var state: PersonaState
    /// Newest first, at most `PersonaConstants.Turn.recentEpisodeLimit`.
    public var recentEpisodes: [Episode]
    /// An operator's `silence` is in force (`sql/0006_operator_controls.sql`).
    public var silenced: Bool = false
    /// Bumped by every operator action; a turn commits only if it is still the one it read.
    public var controlVersion: Int = 0

    /// The request as the user's hold has it: under `silence` every turn carries the engine's
    /// explicit silence command; without a hold the request is left exactly as it came.
    public func applyingHold(to request: TurnRequest) -> TurnRequest {
        guard silenced else { return request }
        var held = request
        held.requestsSilence = true
        return held
    }
}

/// The persona core tables (`sql/0003_persona_core_tables.sql`): reading a user's state before a turn
/// and writing everything a turn produced. These tables belong to the service's own role; user
/// routes never write them under the `authenticated` role.
enum PersonaStateStore {
    /// The user's persisted state and the ids of their two newest episodes, which with `turn_count` and
    /// `control_version` stamp the recall window (`RecallWindowStamp`; `load`); `$1` the user id.
    static let loadStateSQL = """
    SELECT value_state, trait_state, global_state, turn_count, silenced, control_version,
           (SELECT e.episode_id FROM public.sigmaris_episodes e WHERE e.user_id = $1
            ORDER BY e."timestamp" DESC, e.created_at DESC LIMIT 1) AS newest_episode_id,
           (SELECT e.episode_id FROM public.sigmaris_episodes e WHERE e.user_id = $1
            ORDER BY e."timestamp" DESC, e.created_at DESC OFFSET 1 LIMIT 1) AS second_episode_id
    FROM public.sigmaris_persona_state WHERE user_id = $1
    """

    /// The user's recent episodes, newest first (`load`); `$1` the user id, `$2` the limit.
    static let loadEpisodesSQL = """
    SELECT episode_id, "timestamp", summary, emotion_hint, raw_context, embedding
    FROM public.sigmaris_episodes WHERE user_id = $1
    ORDER BY "timestamp" DESC, created_at DESC LIMIT $2
    """

    /// Every row of one turn (`commit`); its parameters are the fields of `TurnCommitRow`, named here
    /// by `p`. Each fact once (`sql/0007_store_each_fact_once.sql`, `sql/0011_turn_facts_in_chat_rows.sql`):
    /// the turn's meta, the safety meta and the trace events in the one audit row; turn rows, snapshots
    /// and the safety assessment without meta, and without what the turn's chat rows hold.
    static let commitTurnSQL = """
    WITH moved AS (
        -- The user's row, only from the state this turn read: an UPDATE, so a row deleted by an
        -- erase this statement waited for is skipped (no row: a conflict), never inserted again.
        -- An operator action since the read bumps control_version: recompute under it.
        UPDATE public.sigmaris_persona_state AS s
        SET value_state = \(p(.valueState)), trait_state = \(p(.traitState)), global_state = \(p(.globalState)),
            turn_count = \(p(.turnCount)), updated_at = now()
        WHERE s.user_id = \(p(.userID)) AND \(p(.previousTurnCount)) > 0 AND s.turn_count = \(p(.previousTurnCount))
          AND s.control_version = \(p(.controlVersion))
        RETURNING 1
    ), created AS (
        -- A turn that started from no row inserts it; a concurrent first turn blocks on the
        -- primary key, then finds the committed row and conflicts.
        INSERT INTO public.sigmaris_persona_state AS s (user_id, value_state, trait_state, global_state, turn_count, updated_at)
        SELECT \(p(.userID)), \(p(.valueState)), \(p(.traitState)), \(p(.globalState)), \(p(.turnCount)), now()
        WHERE \(p(.previousTurnCount)) = 0
        ON CONFLICT (user_id) DO UPDATE
            SET value_state = EXCLUDED.value_state, trait_state = EXCLUDED.trait_state,
                global_state = EXCLUDED.global_state, turn_count = EXCLUDED.turn_count, updated_at = now()
            WHERE s.turn_count = 0 AND s.control_version = \(p(.controlVersion))
        RETURNING 1
    ), state AS (
        SELECT 1 FROM moved UNION ALL SELECT 1 FROM created
    ), episode AS (
        INSERT INTO public.sigmaris_episodes
            (episode_id, user_id, session_id, "timestamp", summary, emotion_hint, traits_hint, raw_context, embedding, meta)
        VALUES (\(p(.episodeID)), \(p(.userID)), \(p(.sessionID)), \(p(.episodeTimestamp)), \(p(.episodeSummary)),
                \(p(.episodeEmotionHint)), \(p(.episodeTraitsHint)), \(p(.episodeRawContext)), \(p(.episodeEmbedding)),
                \(p(.episodeMeta)))
    ), audit AS (
        INSERT INTO public.sigmaris_turn_audit (trace_id, user_id, record)
        VALUES (\(p(.traceID)), \(p(.userID)), jsonb_build_object(
            \(p(.auditMetaKey))::text, \(p(.auditMeta))::jsonb, 'safety_meta', \(p(.safetyMeta))::jsonb - 'request_preview',
            'events', \(p(.events))::jsonb))
    ), turns AS (
        INSERT INTO public.sigmaris_turns (trace_id, user_id, session_id, role, content, topic_hint, emotion_hint, importance, global_state)
        SELECT \(p(.traceID)), \(p(.userID)), \(p(.sessionID)), r->>'role', r->>'content', r->>'topic_hint', r->>'emotion_hint',
               (r->>'importance')::double precision, \(p(.turnGlobalState))::jsonb->>'state'
        FROM jsonb_array_elements(\(p(.turnRows))::jsonb) WITH ORDINALITY AS t(r, n) ORDER BY n
    ), value_snapshot AS (
        INSERT INTO public.sigmaris_value_snapshots (trace_id, user_id, state, delta)
        VALUES (\(p(.traceID)), \(p(.userID)), \(p(.valueSnapshotState)), \(p(.valueSnapshotDelta)))
    ), trait_snapshot AS (
        INSERT INTO public.sigmaris_trait_snapshots (trace_id, user_id, state, delta)
        VALUES (\(p(.traceID)), \(p(.userID)), \(p(.traitSnapshotState)), \(p(.traitSnapshotDelta)))
    ), safety AS (
        INSERT INTO public.sigmaris_safety_assessments (trace_id, user_id, session_id, safety_flag, risk_score, categories, reasons)
        VALUES (\(p(.traceID)), \(p(.userID)), \(p(.sessionID)), \(p(.safetyFlag)), \(p(.riskScore)),
                \(p(.safetyCategories)), \(p(.safetyReasons)))
    ), webhook AS (
        -- A flagged turn's `turn.safety_flagged` event, with a webhook URL configured only: the
        -- filter keeps the function from being called on every other turn. Read below, so it runs.
        SELECT public.sigmaris_enqueue_webhook(true, 'turn.safety_flagged', jsonb_build_object(
            'user_id', \(p(.userID))::text, 'trace_id', \(p(.traceID))::text, 'session_id', \(p(.sessionID))::text,
            'safety_flag', \(p(.safetyFlag))::text, 'risk_score', \(p(.riskScore))::double precision,
            'global_state', \(p(.globalState))::text)) AS id
        WHERE \(p(.webhooksEnabled))::boolean AND \(p(.safetyFlag))::text IS NOT NULL
    )
    SELECT count(*)::int AS updated, (SELECT id FROM webhook) AS webhook_id FROM state
    """

    private static func p(_ parameter: TurnCommitRow.Parameter) -> String { parameter.placeholder }

    /// The user's state and recent episodes. With `recallWindows`, the episodes come from memory when
    /// the window kept there carries the stamp just read with the state (one statement instead of two),
    /// and a window read from the database is kept for the next turn.
    static func load(
        userID: String, recallWindows: RecallWindowCache? = nil, on connection: PostgresConnection
    ) throws(PostgresError) -> PersonaMemory {
        // Before the read: a window dropped while it runs (an erase committing) is not put back.
        let drops = recallWindows?.drops
        let stateRows = try connection.query(loadStateSQL, [.text(userID)])
        var memory = PersonaMemory(state: .initial, recentEpisodes: [])
        // No state row: a new (or erased) user, whose window is empty and not worth keeping.
        var stamp: RecallWindowStamp?
        if let row = stateRows.first {
            memory.silenced = try row.decode(Bool.self, "silenced")
            memory.controlVersion = try row.decode(Int.self, "control_version")
            memory.state.value = ValueState(json: try json(row, "value_state"))
            memory.state.trait = TraitState(json: try json(row, "trait_state"))
            memory.state.globalState = try row.decode(String?.self, "global_state").flatMap(GlobalState.init(rawValue:))
            memory.state.turnCount = try row.decode(Int.self, "turn_count")
            stamp = RecallWindowStamp(
                turnCount: memory.state.turnCount, controlVersion: memory.controlVersion,
                newestEpisodeIDs: [try row.decode(String?.self, "newest_episode_id"), try row.decode(String?.self, "second_episode_id")]
                    .compactMap { $0 })
        }
        if let stamp, let window = recallWindows?.window(for: userID, matching: stamp) {
            memory.recentEpisodes = window
            return memory
        }
        memory.recentEpisodes = try loadEpisodes(userID: userID, on: connection)
        // The episodes were read in a snapshot of their own: keep them only if they are the window
        // the stamp describes (a turn committed in between would show at the top).
        if let stamp, let recallWindows, stamp.matchesTop(of: memory.recentEpisodes) {
            recallWindows.remember(memory.recentEpisodes, for: userID, stamp: stamp, unlessDroppedSince: drops)
        }
        return memory
    }

    /// The recall window, newest first, in binary results: `bytea` embeddings arrive as their bytes
    /// (a 1536-dimension embedding is 6 KB, 12 KB as hex text) and timestamps as integers.
    private static func loadEpisodes(userID: String, on connection: PostgresConnection) throws(PostgresError) -> [Episode] {
        // Only what a turn reads of an episode: `traits_hint` and `meta` are written for the audit
        // trail and never used by recall, merge or identity, and parsing them for 50 episodes a turn
        // was a visible cost in the benchmark's profile. The episodes keep their defaults (`{}`).
        let episodeRows = try connection.query(
            loadEpisodesSQL, [.text(userID), .int(PersonaConstants.Turn.recentEpisodeLimit)], resultFormat: .binary)
        var episodes = [Episode]()
        episodes.reserveCapacity(episodeRows.count)
        for row in episodeRows {
            episodes.append(Episode(
                episodeID: try row.decode(String.self, "episode_id"),
                timestamp: try row.decode(Date.self, "timestamp"),
                summary: try row.decode(String.self, "summary"),
                emotionHint: try row.decode(String.self, "emotion_hint"),
                rawContext: try row.decode(String.self, "raw_context"),
                embedding: try row.decode(PostgresBytes?.self, "embedding").flatMap { EmbeddingBytes.decode($0.bytes) } ?? []))
        }
        return episodes
    }

    /// `episode` as `loadEpisodes` reads it back once stored: the timestamp in whole microseconds,
    /// `traits_hint` and `meta` left at their defaults.
    static func asLoaded(_ episode: Episode) -> Episode {
        Episode(
            episodeID: episode.episodeID, timestamp: PostgresTimestamp.stored(episode.timestamp), summary: episode.summary,
            emotionHint: episode.emotionHint, rawContext: episode.rawContext, embedding: episode.embedding)
    }

    /// Writes one turn: the new state (only if nobody else moved it since `previousTurnCount` and no
    /// operator acted since `controlVersion`), the episode, the audit row (the turn's meta, the safety
    /// meta and, with `tracing`, the trace events), both turn rows, both snapshots and the safety
    /// assessment, each without the facts `factsInChatRows` says the turn's chat rows hold (written by
    /// the caller in the same transaction), and with `webhooks` a flagged turn's event in the webhook
    /// outbox. Run it inside a transaction so it all commits together or
    /// not at all.
    static func commit(
        _ turn: TurnResult,
        userID: String,
        previousTurnCount: Int,
        controlVersion: Int,
        tracing: Bool,
        factsInChatRows: TurnFactsInChatRows = TurnFactsInChatRows(),
        webhooks: Bool = false,
        on connection: PostgresConnection
    ) throws {
        let row = TurnCommitRow(
            turn, userID: userID, previousTurnCount: previousTurnCount, controlVersion: controlVersion, tracing: tracing,
            factsInChatRows: factsInChatRows, webhooks: webhooks)
        // Every row of the turn in one statement (one round trip, one plan): the benchmark's Postgres
        // is CPU-bound, and each statement costs it a parse, a plan and an executor start.
        //
        // The state is inserted for a new user and updated otherwise, either way only from the state
        // this turn read (a concurrent first turn blocks on the primary key, then sees the committed
        // row and skips). The state row is the first thing the statement locks, as every operation
        // that deletes the user's rows locks it first (`TurnSerialization`). The other inserts run
        // whatever the state did; when it did not move, the thrown conflict rolls the whole
        // transaction back.
        let updated = try connection.query(commitTurnSQL, row.parameters)
        guard try updated.first?.decode(Int.self, "updated") == 1 else { throw StoreError.turnConflict(userID: userID) }
    }

    private static func json(_ row: PostgresRow, _ column: String) throws(PostgresError) -> JSONValue {
        guard let text = try row.decode(PostgresJSON?.self, column)?.text else { return .object(JSONObject()) }
        return (try? JSONValue(parsing: text)) ?? .object(JSONObject())
    }
}
