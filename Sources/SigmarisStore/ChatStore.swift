import Foundation
import SigmarisEngine
import SigmarisPostgres

/// The user-facing tables of the reference frontend (`sql/0002_frontend_tables.sql`): `messages` and
/// `sigmaris_state_snapshots`. Every function here runs inside `UserScope`, so row-level security
/// holds as well as the explicit `user_id` filter.
///
/// Reads build their JSON in Postgres (`json_build_object` keeps the contract's key order), so a
/// response is one row of text and nothing is decoded and re-encoded on the way.
public enum ChatStore {
    /// One exchange of `/api/aei`: the user's message and the reply (same `created_at`, the
    /// transaction's timestamp) and the state snapshot extracted from the turn's meta.
    public static func insertExchange(
        userID: UUID,
        sessionID: String,
        message: String,
        reply: String,
        snapshot: StateSnapshotFields,
        on connection: PostgresConnection
    ) throws(PostgresError) {
        try connection.query(
            """
            WITH title AS (
                -- The session's title, from its newest row (a rename sets it on every row). FOR SHARE
                -- waits for a rename in flight, so the new rows carry the title it commits.
                SELECT session_title FROM public.messages WHERE user_id = $1 AND session_id = $2
                ORDER BY created_at DESC, id DESC LIMIT 1 FOR SHARE
            ), exchange AS (
                -- One INSERT with two VALUES rows: ids follow the listed order, so the user's message
                -- sorts before the reply even though both carry the same created_at.
                INSERT INTO public.messages (user_id, session_id, session_title, role, content, created_at)
                VALUES ($1, $2, (SELECT session_title FROM title), 'user', $3, now()),
                       ($1, $2, (SELECT session_title FROM title), 'ai', $4, now())
            )
            INSERT INTO public.sigmaris_state_snapshots
                (user_id, session_id, trace_id, global_state, overload_score, reflective_score, memory_pointer_count,
                 safety_flag, safety_risk_score, value_state, trait_state, meta, created_at)
            VALUES ($1, $2, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, now())
            """,
            [.uuid(userID), .text(sessionID), .text(message), .text(reply), optional(snapshot.traceID, PostgresValue.text),
             optional(snapshot.globalState, PostgresValue.text), optional(snapshot.overloadScore, PostgresValue.double),
             optional(snapshot.reflectiveScore, PostgresValue.double), optional(snapshot.memoryPointerCount, PostgresValue.int),
             optional(snapshot.safetyFlag, PostgresValue.text), optional(snapshot.safetyRiskScore, PostgresValue.double),
             optional(snapshot.valueState) { .jsonb($0.serialized()) }, optional(snapshot.traitState) { .jsonb($0.serialized()) },
             .jsonb(snapshot.meta.serialized())])
    }

    /// `[{"user": ..., "ai": ...}, ...]` for one session, oldest first; a trailing user message
    /// without a reply pairs with `""`.
    public static func pairedMessages(userID: UUID, sessionID: String, on connection: PostgresConnection) throws(PostgresError) -> [(user: String, ai: String)] {
        let rows = try connection.query(
            """
            SELECT role, content FROM public.messages
            WHERE user_id = $1 AND session_id = $2 ORDER BY created_at, id
            """,
            [.uuid(userID), .text(sessionID)])
        var pairs = [(user: String, ai: String)]()
        var waitingForReply = false
        for row in rows {
            let content = try row.decode(String.self, "content")
            if try row.decode(String.self, "role") == "user" {
                pairs.append((content, ""))
                waitingForReply = true
            } else if waitingForReply {
                pairs[pairs.count - 1].ai = content
                waitingForReply = false
            } else {
                // A reply without its question (rows written by something else): keep it visible.
                pairs.append(("", content))
            }
        }
        return pairs
    }

    /// The newest snapshot as a JSON object, or nil before the first turn.
    public static func latestSnapshotJSON(userID: UUID, on connection: PostgresConnection) throws(PostgresError) -> String? {
        let rows = try connection.query(
            """
            SELECT json_build_object(
                'id', id, 'session_id', session_id, 'trace_id', trace_id, 'global_state', global_state,
                'overload_score', overload_score, 'reflective_score', reflective_score,
                'memory_pointer_count', memory_pointer_count, 'safety_flag', safety_flag,
                'safety_risk_score', safety_risk_score, 'value_state', value_state, 'trait_state', trait_state,
                'created_at', \(isoTimestamp("created_at")))::text AS snapshot
            FROM public.sigmaris_state_snapshots
            WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT 1
            """,
            [.uuid(userID)])
        return try rows.first?.decode(String.self, "snapshot")
    }

    /// The newest `limit` snapshots as a JSON array, oldest first.
    public static func timeseriesJSON(userID: UUID, limit: Int, on connection: PostgresConnection) throws(PostgresError) -> String {
        let rows = try connection.query(
            """
            SELECT coalesce(json_agg(json_build_object(
                'id', id, 'global_state', global_state, 'overload_score', overload_score,
                'reflective_score', reflective_score, 'memory_pointer_count', memory_pointer_count,
                'safety_risk_score', safety_risk_score, 'safety_flag', safety_flag,
                'value_state', value_state, 'trait_state', trait_state,
                'created_at', \(isoTimestamp("created_at"))) ORDER BY created_at, id), '[]')::text AS snapshots
            FROM (
                SELECT * FROM public.sigmaris_state_snapshots
                WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2
            ) newest
            """,
            [.uuid(userID), .int(limit)])
        return try rows.first?.decode(String.self, "snapshots") ?? "[]"
    }

    /// ISO 8601 in UTC with microseconds, as Supabase's REST API writes timestamps; JavaScript's
    /// `Date` parses it.
    private static func isoTimestamp(_ column: String) -> String {
        #"to_char(\#(column) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')"#
    }

    private static func optional<T>(_ value: T?, _ wrap: (T) -> PostgresValue) -> PostgresValue {
        value.map(wrap) ?? .null
    }
}
