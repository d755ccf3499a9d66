import Foundation
import SigmarisEngine
import SigmarisJSON
import SigmarisPostgres

/// The user-facing tables of the reference frontend (`sql/0002_frontend_tables.sql`): `messages` and
/// `sigmaris_state_snapshots`. Every function here runs inside `UserScope`, so row-level security
/// holds as well as the explicit `user_id` filter.
///
enum ChatStore {
    /// The two messages and the state snapshot of one exchange (`insertExchange`).
    static let insertExchangeSQL = """
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
    """

    /// One exchange of `/api/aei`: the user's message and the reply (same `created_at`, the
    /// transaction's timestamp) and the state snapshot extracted from the turn's meta.
    static func insertExchange(
        userID: UUID,
        sessionID: String,
        message: String,
        reply: String,
        snapshot: StateSnapshotFields,
        on connection: PostgresConnection
    ) throws(PostgresError) {
        try connection.query(
            insertExchangeSQL,
            [.uuid(userID), .text(sessionID), .text(message), .text(reply), optional(snapshot.traceID, PostgresValue.text),
             optional(snapshot.globalState, PostgresValue.text), optional(snapshot.overloadScore, PostgresValue.double),
             optional(snapshot.reflectiveScore, PostgresValue.double), optional(snapshot.memoryPointerCount, PostgresValue.int),
             optional(snapshot.safetyFlag, PostgresValue.text), optional(snapshot.safetyRiskScore, PostgresValue.double),
             optional(snapshot.valueState) { .jsonb($0.serialized()) }, optional(snapshot.traitState) { .jsonb($0.serialized()) },
             .jsonb(snapshot.meta.serialized())])
    }

    /// `[{"user": ..., "ai": ...}, ...]` for one session, oldest first; a trailing user message
    /// without a reply pairs with `""`.
    static func pairedMessages(userID: UUID, sessionID: String, on connection: PostgresConnection) throws(PostgresError) -> [(user: String, ai: String)] {
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

    /// The newest `limit` snapshots, newest first.
    static func newestSnapshots(userID: UUID, limit: Int, on connection: PostgresConnection) throws(PostgresError) -> [StateSnapshot] {
        let rows = try connection.query(
            """
            SELECT id, session_id, trace_id, global_state, overload_score, reflective_score, memory_pointer_count,
                   safety_flag, safety_risk_score, value_state, trait_state, \(isoTimestamp("created_at")) AS created_at
            FROM public.sigmaris_state_snapshots
            WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2
            """,
            [.uuid(userID), .int(limit)])
        var snapshots = [StateSnapshot]()
        snapshots.reserveCapacity(rows.count)
        for row in rows {
            snapshots.append(StateSnapshot(
                id: try row.decode(Int.self, "id"),
                sessionID: try row.decode(String?.self, "session_id"),
                traceID: try row.decode(String?.self, "trace_id"),
                globalState: try row.decode(String?.self, "global_state"),
                overloadScore: try row.decode(Double?.self, "overload_score"),
                reflectiveScore: try row.decode(Double?.self, "reflective_score"),
                memoryPointerCount: try row.decode(Int?.self, "memory_pointer_count"),
                safetyFlag: try row.decode(String?.self, "safety_flag"),
                safetyRiskScore: try row.decode(Double?.self, "safety_risk_score"),
                valueState: try json(row, "value_state"),
                traitState: try json(row, "trait_state"),
                createdAt: try row.decode(String.self, "created_at")))
        }
        return snapshots
    }

    /// A jsonb column as a value; a document Postgres accepted always parses.
    private static func json(_ row: PostgresRow, _ column: String) throws(PostgresError) -> JSONValue? {
        guard let text = try row.decode(PostgresJSON?.self, column)?.text else { return nil }
        do {
            return try JSONValue(parsing: Array(text.utf8))
        } catch {
            throw PostgresError(.decodingFailed, column: column, detail: "jsonb text did not parse")
        }
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
