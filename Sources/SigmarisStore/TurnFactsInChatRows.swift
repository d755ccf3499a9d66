import Foundation
import SigmarisEngine
import SigmarisJSON
import SigmarisPostgres

/// Which facts of a turn its chat rows hold (`sql/0011_turn_facts_in_chat_rows.sql`). An `/api/aei`
/// turn writes its two `messages` and its state snapshot in the transaction that writes its persona
/// rows; each fact those chat rows already hold is then left null in the persona rows, and the `_v`
/// views read it from the chat rows. A fact is left out only when the chat row holds exactly the
/// value, checked here turn by turn; a `/persona/chat` turn (no chat rows) stores everything.
struct TurnFactsInChatRows: Equatable {
    /// The user's message and the reply hold the turn rows' texts.
    var texts = false
    /// The snapshot's `meta.value` holds the value snapshot's state and delta.
    var valueSnapshot = false
    /// The snapshot's `meta.trait` holds the trait snapshot's state and delta.
    var traitSnapshot = false
    /// The snapshot's `meta.safety` holds the safety assessment's categories and reasons.
    var safetyDetails = false
    /// The snapshot's meta holds three keys of the assistant row's meta (`sharedMetaKeys`).
    var assistantMetaContext = false
    /// The state snapshot of the same transaction carries the turn's meta: a trace event whose fields
    /// are one of its `sharedEventFields` is stored as a reference to it (`storedEvent`).
    var snapshotMeta = false

    /// The assistant meta's keys whose values are the snapshot meta's (the engine builds both from the
    /// same parts: docs/engine.md §9 and §11), as `sigmaris_turn_audit_v` rebuilds them.
    static let sharedMetaKeys: [(assistantMeta: String, snapshotMeta: String)] = [
        ("identity_context", "identity"), ("global_state", "global_state"), ("memory_raw", "memory"),
    ]

    /// The snapshot meta's keys a trace event's fields may be (`value_drift` and `trait_drift` carry
    /// the new state and delta), as `sigmaris_turn_audit_v` rebuilds them.
    static let sharedEventFields = ["value", "trait"]

    /// Nothing shared: a turn without chat rows.
    init() {}

    init(_ turn: TurnResult, userID: String, chat: ChatRecord?) {
        // The views find the chat rows by the user's uuid, whose lowercase text is the persona id.
        guard let chat, chat.user.personaUserID == userID else { return }
        let rows = turn.turnRows
        // `sigmaris_turn_message` pairs role 'user' with 'user' and 'assistant' with 'ai'.
        texts = chat.sessionID == turn.sessionID && rows.count == 2
            && rows[0].role == "user" && rows[0].content == chat.message
            && rows[1].role == "assistant" && rows[1].content == turn.reply
        // The snapshot is found by the trace id it stores, which it takes from the meta.
        let meta = turn.meta
        guard StateSnapshotFields(meta: meta).traceID == turn.traceID else { return }
        snapshotMeta = true
        valueSnapshot = Self.sameJSONB(meta["value"]?["state"], turn.valueSnapshot.state)
            && Self.sameJSONB(meta["value"]?["delta"], turn.valueSnapshot.delta)
        traitSnapshot = Self.sameJSONB(meta["trait"]?["state"], turn.traitSnapshot.state)
            && Self.sameJSONB(meta["trait"]?["delta"], turn.traitSnapshot.delta)
        safetyDetails = Self.sameJSONB(meta["safety"]?["categories"], turn.safety.categoriesJSON)
            && Self.sameJSONB(meta["safety"]?["reasons"], .strings(turn.safety.reasons))
        let assistantMeta = turn.turnRows.last { $0.role == PersonaConstants.TurnRows.assistantRole }?.meta
        assistantMetaContext = Self.sharedMetaKeys.allSatisfy { keys in
            guard let own = assistantMeta?[keys.assistantMeta] else { return false }
            return Self.sameJSONB(meta[keys.snapshotMeta], own)
        }
    }

    /// A trace event as the audit record keeps it: `{event, fields}`, or `{event, fields_in_snapshot: key}`
    /// when its fields are the snapshot meta's `key`.
    func storedEvent(_ event: TraceEvent, turnMeta: JSONValue) -> JSONValue {
        if snapshotMeta, let key = Self.sharedEventFields.first(where: { Self.sameJSONB(turnMeta[$0], event.fields) }) {
            return ["event": .string(event.name), "fields_in_snapshot": .string(key)]
        }
        return ["event": .string(event.name), "fields": event.fields]
    }

    /// Whether two values are equal as jsonb compares them (the views give back jsonb): objects by their
    /// keys whatever the order, numbers by value.
    static func sameJSONB(_ left: JSONValue?, _ right: JSONValue) -> Bool {
        switch (left, right) {
        case let (.object(a)?, .object(b)):
            a.count == b.count && a.entries.allSatisfy { entry in b[entry.key].map { sameJSONB(entry.value, $0) } ?? false }
        case let (.array(a)?, .array(b)):
            a.count == b.count && zip(a, b).allSatisfy { sameJSONB($0, $1) }
        case let (value?, other):
            value == other
        case (nil, _):
            false
        }
    }

    /// The assistant row's meta as the audit record keeps it: whole under `meta`, or under `meta_own`
    /// without the keys the snapshot holds.
    func auditMeta(_ assistantMeta: JSONValue) -> (key: String, value: JSONValue) {
        guard assistantMetaContext, var own = assistantMeta.objectValue else { return ("meta", assistantMeta) }
        for keys in Self.sharedMetaKeys {
            own[keys.assistantMeta] = nil
        }
        return ("meta_own", .object(own))
    }
}

/// Chat rows a user deletes while the persona rows of their turns stay.
enum ChatRowsLeaving {
    /// Every message of a session (its snapshots stay).
    case messages(sessionID: String)
    /// The two messages of one exchange; `createdAt` a valid ISO 8601 timestamp.
    case exchange(sessionID: String, createdAt: String)
    /// A session's messages and state snapshots.
    case session(sessionID: String)

    /// Writes the facts these rows hold back into the persona rows that left them out, from the `_v`
    /// views (so they read the same afterwards). Run as the service's own role, in the deleting
    /// transaction, before the rows go.
    func restoreFacts(personaUserID: String, userID: UUID, on connection: PostgresConnection) throws(PostgresError) {
        let (sessionID, createdAt, snapshots): (String, String?, Bool) = switch self {
        case .messages(let sessionID): (sessionID, nil, false)
        case .exchange(let sessionID, let createdAt): (sessionID, createdAt, false)
        case .session(let sessionID): (sessionID, nil, true)
        }
        try connection.query(
            Self.restoreSQL,
            [.text(personaUserID), .uuid(userID), .text(sessionID), createdAt.map { .text($0) } ?? .null, .bool(snapshots)])
    }

    /// `$1` the persona user id, `$2` the user's uuid, `$3` the session, `$4` one exchange's
    /// `created_at` (null: the whole session), `$5` whether the session's state snapshots go too.
    static let restoreSQL = """
    WITH turn_texts AS (
        UPDATE public.sigmaris_turns t SET content = (SELECT x.content FROM public.sigmaris_turns_v x WHERE x.id = t.id)
        WHERE t.user_id = $1 AND t.content IS NULL AND t.session_id = $3
          AND ($4::timestamptz IS NULL OR t.created_at = $4::timestamptz)
    ), traces AS (
        SELECT trace_id FROM public.sigmaris_state_snapshots
        WHERE $5 AND user_id = $2 AND session_id = $3 AND trace_id IS NOT NULL
    ), value_snapshots AS (
        UPDATE public.sigmaris_value_snapshots v
        SET (state, delta) = (SELECT x.state, x.delta FROM public.sigmaris_value_snapshots_v x WHERE x.id = v.id)
        WHERE v.user_id = $1 AND (v.state IS NULL OR v.delta IS NULL) AND v.trace_id IN (SELECT trace_id FROM traces)
    ), trait_snapshots AS (
        UPDATE public.sigmaris_trait_snapshots v
        SET (state, delta) = (SELECT x.state, x.delta FROM public.sigmaris_trait_snapshots_v x WHERE x.id = v.id)
        WHERE v.user_id = $1 AND (v.state IS NULL OR v.delta IS NULL) AND v.trace_id IN (SELECT trace_id FROM traces)
    ), safety AS (
        UPDATE public.sigmaris_safety_assessments s
        SET (categories, reasons) = (SELECT x.categories, x.reasons FROM public.sigmaris_safety_assessments_v x WHERE x.id = s.id)
        WHERE s.user_id = $1 AND (s.categories IS NULL OR s.reasons IS NULL) AND s.trace_id IN (SELECT trace_id FROM traces)
    ), audit AS (
        UPDATE public.sigmaris_turn_audit a
        SET record = (SELECT x.record FROM public.sigmaris_turn_audit_v x WHERE x.trace_id = a.trace_id)
        WHERE a.user_id = $1 AND public.sigmaris_audit_record_shares(a.record) AND a.trace_id IN (SELECT trace_id FROM traces)
    )
    SELECT 1
    """
}
