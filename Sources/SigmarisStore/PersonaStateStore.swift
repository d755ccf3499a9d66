import Foundation
import SigmarisEngine
import SigmarisPostgres

/// What a turn starts from: the user's persisted state and recent episodes.
public struct PersonaMemory: Sendable {
    public var state: PersonaState
    /// Newest first, at most `PersonaConstants.Turn.recentEpisodeLimit`.
    public var recentEpisodes: [Episode]
}

/// The persona core tables (`sql/0003_persona_core_tables.sql`): reading a user's state before a turn
/// and writing everything a turn produced. These tables belong to the service's own role; user
/// routes never write them under the `authenticated` role.
public enum PersonaStateStore {
    public static func load(userID: String, on connection: PostgresConnection) throws(PostgresError) -> PersonaMemory {
        let stateRows = try connection.query(
            "SELECT value_state, trait_state, global_state, turn_count FROM public.sigmaris_persona_state WHERE user_id = $1",
            [.text(userID)])
        var state = PersonaState.initial
        if let row = stateRows.first {
            state.value = ValueState(json: try json(row, "value_state"))
            state.trait = TraitState(json: try json(row, "trait_state"))
            state.globalState = try row.decode(String?.self, "global_state").flatMap(GlobalState.init(rawValue:))
            state.turnCount = try row.decode(Int.self, "turn_count")
        }

        let episodeRows = try connection.query(
            """
            SELECT episode_id, "timestamp", summary, emotion_hint, traits_hint, raw_context, embedding, meta
            FROM public.sigmaris_episodes WHERE user_id = $1
            ORDER BY "timestamp" DESC, created_at DESC LIMIT $2
            """,
            [.text(userID), .int(PersonaConstants.Turn.recentEpisodeLimit)])
        var episodes = [Episode]()
        episodes.reserveCapacity(episodeRows.count)
        for row in episodeRows {
            episodes.append(Episode(
                episodeID: try row.decode(String.self, "episode_id"),
                timestamp: try row.decode(Date.self, "timestamp"),
                summary: try row.decode(String.self, "summary"),
                emotionHint: try row.decode(String.self, "emotion_hint"),
                traitsHint: try json(row, "traits_hint"),
                rawContext: try row.decode(String.self, "raw_context"),
                embedding: try row.decode(PostgresBytes?.self, "embedding").flatMap { EmbeddingBytes.decode($0.bytes) } ?? [],
                meta: try json(row, "meta")))
        }
        return PersonaMemory(state: state, recentEpisodes: episodes)
    }

    /// Writes one turn: the new state (only if nobody else moved it since `previousTurnCount`), the
    /// episode, both turn rows, both snapshots, the safety assessment and, with `tracing`, the trace
    /// events. Run it inside a transaction so it all commits together or not at all.
    public static func commit(
        _ turn: TurnResult,
        userID: String,
        previousTurnCount: Int,
        tracing: Bool,
        on connection: PostgresConnection
    ) throws {
        let state = turn.newState
        // Insert for a new user, update otherwise; either way only from the state this turn read.
        // A concurrent first turn blocks on the primary key, then sees the committed row and skips.
        let updated = try connection.query(
            """
            INSERT INTO public.sigmaris_persona_state AS s (user_id, value_state, trait_state, global_state, turn_count, updated_at)
            VALUES ($1, $2, $3, $4, $5, now())
            ON CONFLICT (user_id) DO UPDATE
                SET value_state = EXCLUDED.value_state, trait_state = EXCLUDED.trait_state,
                    global_state = EXCLUDED.global_state, turn_count = EXCLUDED.turn_count, updated_at = now()
                WHERE s.turn_count = $6
            """,
            [.text(userID), .jsonb(state.value.json.serialized()), .jsonb(state.trait.json.serialized()),
             state.globalState.map { .text($0.rawValue) } ?? .null, .int(state.turnCount), .int(previousTurnCount)])
        guard updated.affectedRows == 1 else { throw StoreError.turnConflict(userID: userID) }

        let episode = turn.episode
        try connection.query(
            """
            INSERT INTO public.sigmaris_episodes
                (episode_id, user_id, "timestamp", summary, emotion_hint, traits_hint, raw_context, embedding, meta)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
            """,
            [.text(episode.episodeID), .text(userID), .timestamp(episode.timestamp), .text(episode.summary),
             .text(episode.emotionHint), .jsonb(episode.traitsHint.serialized()), .text(episode.rawContext),
             episode.embedding.isEmpty ? .null : .bytea(EmbeddingBytes.encode(episode.embedding)),
             .jsonb(episode.meta.serialized())])

        // Both turn rows, both snapshots and the assessment in one round trip.
        let rows = JSONValue.array(turn.turnRows.map { row in
            [
                "role": .string(row.role), "content": .string(row.content),
                "topic_hint": .string(orNull: row.topicHint), "emotion_hint": .string(orNull: row.emotionHint),
                "importance": .number(orNull: row.importance), "meta": row.meta,
            ]
        })
        try connection.query(
            """
            WITH turns AS (
                INSERT INTO public.sigmaris_turns (trace_id, user_id, session_id, role, content, topic_hint, emotion_hint, importance, meta)
                SELECT $1, $2, $3, r->>'role', r->>'content', r->>'topic_hint', r->>'emotion_hint',
                       (r->>'importance')::double precision, r->'meta'
                FROM jsonb_array_elements($4::jsonb) WITH ORDINALITY AS t(r, n) ORDER BY n
            ), value_snapshot AS (
                INSERT INTO public.sigmaris_value_snapshots (trace_id, user_id, state, delta, meta) VALUES ($1, $2, $5, $6, $7)
            ), trait_snapshot AS (
                INSERT INTO public.sigmaris_trait_snapshots (trace_id, user_id, state, delta, meta) VALUES ($1, $2, $8, $9, $10)
            )
            INSERT INTO public.sigmaris_safety_assessments (trace_id, user_id, session_id, safety_flag, risk_score, categories, reasons, meta)
            VALUES ($1, $2, $3, $11, $12, $13, $14, $15)
            """,
            [.text(turn.traceID), .text(userID), .text(turn.sessionID), .jsonb(rows.serialized()),
             .jsonb(turn.valueSnapshot.state.serialized()), .jsonb(turn.valueSnapshot.delta.serialized()),
             .jsonb(turn.valueSnapshot.meta.serialized()),
             .jsonb(turn.traitSnapshot.state.serialized()), .jsonb(turn.traitSnapshot.delta.serialized()),
             .jsonb(turn.traitSnapshot.meta.serialized()),
             turn.safety.flag.map { .text($0.rawValue) } ?? .null, .double(turn.safety.riskScore),
             .jsonb(turn.safety.categoriesJSON.serialized()), .jsonb(JSONValue.strings(turn.safety.reasons).serialized()),
             .jsonb(turn.safety.meta.serialized())])

        if tracing, !turn.traceEvents.isEmpty {
            let events = JSONValue.array(turn.traceEvents.map { ["event": .string($0.name), "fields": $0.fields] })
            try connection.query(
                """
                INSERT INTO public.sigmaris_trace_events (trace_id, event, fields)
                SELECT $1, e->>'event', e->'fields' FROM jsonb_array_elements($2::jsonb) WITH ORDINALITY AS t(e, n) ORDER BY n
                """,
                [.text(turn.traceID), .jsonb(events.serialized())])
        }
    }

    private static func json(_ row: PostgresRow, _ column: String) throws(PostgresError) -> JSONValue {
        guard let text = try row.decode(PostgresJSON?.self, column)?.text else { return .object(JSONObject()) }
        return (try? JSONValue(parsing: text)) ?? .object(JSONObject())
    }
}
