import Foundation
import SigmarisEngine
import SigmarisJSON
import SigmarisPostgres

/// Every row the service holds for one user as one JSON document, produced a piece at a time:
///
/// ```
/// {"user_id":…,"exported_at":…,"messages":[…],"snapshots":[…],
///  "persona":{"state":{…}|null,"episodes":[…],"turns":[…],"value_snapshots":[…],
///             "trait_snapshots":[…],"safety_assessments":[…],"trace_events":[…],
///             "audit_without_turns":[…]}}
/// ```
///
/// An audit row (`sigmaris_turn_audit`) is exported through the rows it belongs to (its meta in
/// `turns`, its safety meta in `safety_assessments`, its events in `trace_events`). One whose turn
/// rows are gone is still the user's: it is found by its own `user_id`, its events are in
/// `trace_events` and the rest of it in `audit_without_turns`.
///
/// Rows are read in keyset pages, each page one short transaction (the user's RLS scope for
/// `messages` and snapshots, the service's own role filtered by the verified id for the persona
/// tables), so memory stays flat whatever the history's length and no connection is held between
/// pages. The document is therefore not one snapshot: a turn that commits while it is read may
/// appear in some tables and not others. Episodes are exported without their embeddings.
public struct AccountExport: Sendable {
    let rows: UserRows

    /// The pieces of the document in order; concatenated they are the JSON text.
    public func makeChunks() -> Chunks {
        Chunks(rows: rows, steps: Self.steps(userID: rows.user.personaUserID))
    }

    public struct Chunks: Sendable {
        let rows: UserRows
        let steps: [Step]
        var index = 0
        var cursor: String?
        var wroteRowInSection = false
        /// Pages read from the database so far (the document opens with text of its own, so the
        /// first piece says nothing about whether the database answers).
        public private(set) var pagesRead = 0

        /// The next piece, or nil after the last.
        public mutating func next() async throws -> String? {
            while index < steps.count {
                switch steps[index] {
                case .literal(let text):
                    index += 1
                    return text
                case .single(let section):
                    index += 1
                    let page = try await fetch(section, cursor: nil)
                    pagesRead += 1
                    return page.rows.first ?? "null"
                case .rows(let section):
                    let page = try await fetch(section, cursor: cursor)
                    pagesRead += 1
                    var chunk = ""
                    for row in page.rows {
                        if wroteRowInSection { chunk += "," }
                        chunk += row
                        wroteRowInSection = true
                    }
                    if let next = page.nextCursor {
                        cursor = next
                    } else {
                        index += 1
                        cursor = nil
                        wroteRowInSection = false
                    }
                    if !chunk.isEmpty { return chunk }
                }
            }
            return nil
        }

        private func fetch(_ section: Section, cursor: String?) async throws -> Page {
            let user = rows.user
            let parameters: [PostgresValue] = section.single
                ? [section.ownerIsUser ? .uuid(user.id) : .text(user.personaUserID)]
                : [section.ownerIsUser ? .uuid(user.id) : .text(user.personaUserID),
                   cursor.map(PostgresValue.jsonb) ?? .null, .int(section.pageSize)]
            let sql = section.sql
            let pageSize = section.pageSize
            let read: @Sendable (PostgresConnection) throws -> Page = { connection in
                let result = try connection.query(sql, parameters)
                var rows = [String]()
                var cursors = 0
                var lastCursor: String?
                for row in result {
                    let rowCursor = try row.decode(String?.self, "cursor")
                    if rowCursor != lastCursor { cursors += 1 }
                    lastCursor = rowCursor
                    if let text = try row.decode(String?.self, "row") { rows.append(text) }
                }
                return Page(rows: rows, nextCursor: cursors == pageSize ? lastCursor : nil)
            }
            return section.ownerIsUser ? try await rows.scoped(read) : try await rows.asService(read)
        }
    }

    struct Page: Sendable {
        var rows: [String]
        /// Where the next page starts; nil when this page was the last.
        var nextCursor: String?
    }

    enum Step: Sendable {
        case literal(String)
        case rows(Section)
        case single(Section)
    }

    /// One table's rows. Its SQL takes `$1` the owner id, `$2` the previous page's cursor (jsonb, null
    /// for the first page) and `$3` the page size, and returns `cursor` (text) and `row` (JSON text).
    struct Section: Sendable {
        var ownerIsUser: Bool
        var single = false
        var pageSize = 500
        var sql: String
    }

    static func steps(userID: String) -> [Step] {
        let header: JSONValue = [
            "user_id": .string(userID),
            "exported_at": .string(ISO8601DateFormatter().string(from: Date())),
        ]
        // The header object without its closing brace, so the sections continue it.
        let opening = String(header.serialized().dropLast())
        return [
            .literal(opening + #","messages":["#),
            .rows(Section(ownerIsUser: true, sql: messagesSQL)),
            .literal(#"],"snapshots":["#),
            .rows(Section(ownerIsUser: true, sql: byCreatedAt(
                "sigmaris_state_snapshots",
                "id, session_id, trace_id, global_state, overload_score, reflective_score, memory_pointer_count, "
                    + "safety_flag, safety_risk_score, value_state, trait_state, meta, created_at"))),
            .literal(#"],"persona":{"state":"#),
            .single(Section(ownerIsUser: false, single: true, sql: """
                SELECT NULL::text AS cursor, row_to_json(p)::text AS row FROM (
                    SELECT user_id, value_state, trait_state, global_state, turn_count, updated_at
                    FROM public.sigmaris_persona_state WHERE user_id = $1
                ) p
                """)),
            .literal(#","episodes":["#),
            .rows(Section(ownerIsUser: false, sql: episodesSQL)),
            .literal(#"],"turns":["#),
            .rows(Section(ownerIsUser: false, sql: byCreatedAt(
                "sigmaris_turns_v",
                "id, trace_id, session_id, role, content, topic_hint, emotion_hint, importance, meta, created_at"))),
            .literal(#"],"value_snapshots":["#),
            .rows(Section(ownerIsUser: false, sql: byCreatedAt("sigmaris_value_snapshots_v", "id, trace_id, state, delta, meta, created_at"))),
            .literal(#"],"trait_snapshots":["#),
            .rows(Section(ownerIsUser: false, sql: byCreatedAt("sigmaris_trait_snapshots_v", "id, trace_id, state, delta, meta, created_at"))),
            .literal(#"],"safety_assessments":["#),
            .rows(Section(ownerIsUser: false, sql: byCreatedAt(
                "sigmaris_safety_assessments_v",
                "id, trace_id, session_id, safety_flag, risk_score, categories, reasons, meta, created_at"))),
            .literal(#"],"trace_events":["#),
            .rows(Section(ownerIsUser: false, pageSize: 100, sql: traceEventsSQL)),
            .literal(#"],"audit_without_turns":["#),
            .rows(Section(ownerIsUser: false, sql: auditWithoutTurnsSQL)),
            .literal("]}}"),
        ]
    }

    /// By session, then time: the order of `messages_user_session_created_idx`, so a page starts with
    /// an index range scan from the previous page's session.
    static let messagesSQL = """
        SELECT jsonb_build_array(m.session_id, m.created_at, m.id)::text AS cursor, row_to_json(m)::text AS row FROM (
            SELECT id, session_id, session_title, role, content, created_at FROM public.messages
            WHERE user_id = $1 AND ($2::jsonb IS NULL OR (
                session_id >= $2::jsonb->>0 AND (session_id > $2::jsonb->>0
                    OR (created_at, id) > (($2::jsonb->>1)::timestamptz, ($2::jsonb->>2)::bigint))))
            ORDER BY session_id, created_at, id LIMIT $3
        ) m
        """

    /// Tables with an `id` and a `(user_id, created_at)` index, or their `_v` views (which give the
    /// metas stored once back on every row, `sql/0007_store_each_fact_once.sql`): pages by `(created_at, id)`.
    /// `table` and `columns` are constants of this file, never input.
    static func byCreatedAt(_ table: String, _ columns: String) -> String {
        """
        SELECT jsonb_build_array(t.created_at, t.id)::text AS cursor, row_to_json(t)::text AS row FROM (
            SELECT \(columns) FROM public.\(table)
            WHERE user_id = $1 AND ($2::jsonb IS NULL OR (
                created_at >= ($2::jsonb->>0)::timestamptz
                AND (created_at, id) > (($2::jsonb->>0)::timestamptz, ($2::jsonb->>1)::bigint)))
            ORDER BY created_at, id LIMIT $3
        ) t
        """
    }

    static let episodesSQL = """
        SELECT jsonb_build_array(e."timestamp", e.episode_id)::text AS cursor, row_to_json(e)::text AS row FROM (
            SELECT episode_id, session_id, "timestamp", summary, emotion_hint, traits_hint, raw_context, meta, created_at
            FROM public.sigmaris_episodes
            WHERE user_id = $1 AND ($2::jsonb IS NULL OR (
                "timestamp" >= ($2::jsonb->>0)::timestamptz
                AND ("timestamp", episode_id) > (($2::jsonb->>0)::timestamptz, $2::jsonb->>1)))
            ORDER BY "timestamp", episode_id LIMIT $3
        ) e
        """

    /// A page is the events of the user's next `$3` traces, one row per event from
    /// `sigmaris_trace_events_v` (the audit row's array, and any row left in the retired table); a
    /// trace without events still moves the cursor. The user's traces are those of their turn rows
    /// (`sigmaris_turns_user_trace_idx`) and of their audit rows (`sigmaris_turn_audit_user_trace_idx`),
    /// each side limited on its own so a page reads at most `$3` entries of either index.
    static let traceEventsSQL = """
        WITH traces AS (
            SELECT trace_id FROM (
                (SELECT DISTINCT trace_id FROM public.sigmaris_turns
                 WHERE user_id = $1 AND ($2::jsonb IS NULL OR trace_id > $2::jsonb->>0)
                 ORDER BY trace_id LIMIT $3)
                UNION
                (SELECT trace_id FROM public.sigmaris_turn_audit
                 WHERE user_id = $1 AND ($2::jsonb IS NULL OR trace_id > $2::jsonb->>0)
                 ORDER BY trace_id LIMIT $3)
            ) own ORDER BY trace_id LIMIT $3
        )
        SELECT jsonb_build_array(t.trace_id)::text AS cursor, e.row
        FROM traces t LEFT JOIN LATERAL (
            SELECT x.seq, row_to_json(x)::text AS row FROM (
                SELECT seq, trace_id, event, fields, created_at FROM public.sigmaris_trace_events_v ev
                WHERE ev.trace_id = t.trace_id
            ) x
        ) e ON true
        ORDER BY t.trace_id, e.seq
        """

    /// The user's audit rows without a turn row of theirs: the meta and safety meta nothing else
    /// exports then (their events are in `trace_events`), the meta whole (`sigmaris_turn_audit_v`). By
    /// trace id, through `sigmaris_turn_audit_user_trace_idx`.
    static let auditWithoutTurnsSQL = """
        SELECT jsonb_build_array(a.trace_id)::text AS cursor, row_to_json(a)::text AS row FROM (
            SELECT trace_id, record->'meta' AS meta, record->'safety_meta' AS safety_meta, created_at
            FROM public.sigmaris_turn_audit_v au
            WHERE au.user_id = $1 AND ($2::jsonb IS NULL OR au.trace_id > $2::jsonb->>0)
              AND NOT EXISTS (SELECT 1 FROM public.sigmaris_turns t WHERE t.user_id = au.user_id AND t.trace_id = au.trace_id)
            ORDER BY au.trace_id LIMIT $3
        ) a
        """
}

extension UserRows {
    /// The user's data as one streamed JSON document (see `AccountExport`).
    public func export() -> AccountExport {
        AccountExport(rows: self)
    }

    /// Runs `body` in a transaction as the service's own role, for the persona core tables (not
    /// writable, partly not readable, under the user's role). Only this module calls it, and every
    /// statement it runs filters by this `user`, which comes from the verified token.
    func asService<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) throws -> T) async throws -> T {
        try await database.withTransaction(body)
    }
}
