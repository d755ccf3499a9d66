import Foundation
import SigmarisEngine
import SigmarisJSON
import SigmarisPostgres

/// Operator actions and the per-user view (`sql/0006_operator_controls.sql`), as the service's own
/// role: these tables are not any signed-in user's to read or write.
enum OperatorControlStore {
    static let recentActionLimit = 20

    /// A user's state row (`userState`); `$1` the user id.
    static let userStateSQL = """
    SELECT value_state, trait_state, global_state, turn_count, silenced,
           \(ISOTimestampSQL.of("updated_at")) AS updated_at
    FROM public.sigmaris_persona_state WHERE user_id = $1
    """

    /// A user's newest actions (`userState`); `$1` the user id, `$2` the limit.
    static let recentActionsSQL = """
    SELECT id, action, reason, operator, \(ISOTimestampSQL.of("created_at")) AS created_at
    FROM public.sigmaris_operator_actions WHERE user_id = $1
    ORDER BY created_at DESC, id DESC LIMIT $2
    """

    /// One action in one statement (`apply`): the state row changes and its `control_version` moves
    /// (so a turn in flight conflicts and recomputes under the action), the audit row is written,
    /// and for a UUID user a `sigmaris_state_snapshots` row marks the action on the user's time
    /// series (with the state after it, `meta.operator_action` = `{id, action}`, no scores). That row
    /// is the user's to read (RLS, export), so it names neither the operator nor the reason; those
    /// stay in the audit table. With no state row
    /// nothing is written and no row comes back.
    /// With `$7` (a webhook URL is configured) the `operator.action` event goes to the webhook outbox
    /// in the same statement.
    /// `$1` user id, `$2` action, `$3` operator, `$4` reason, `$5`/`$6` the initial value/trait state,
    /// `$7` whether webhooks are on.
    static let applySQL = """
    WITH target AS (
        UPDATE public.sigmaris_persona_state
        SET silenced = CASE $2::text WHEN 'silence' THEN true WHEN 'resume' THEN false ELSE silenced END,
            value_state = CASE WHEN $2::text = 'reset' THEN $5::jsonb ELSE value_state END,
            trait_state = CASE WHEN $2::text = 'reset' THEN $6::jsonb ELSE trait_state END,
            control_version = control_version + 1, updated_at = now()
        WHERE user_id = $1
        RETURNING user_id, value_state, trait_state, global_state
    ), audit AS (
        INSERT INTO public.sigmaris_operator_actions (user_id, operator, action, reason)
        SELECT user_id, $3, $2, $4 FROM target
        RETURNING id, action, reason, operator, created_at
    ), snapshot AS (
        INSERT INTO public.sigmaris_state_snapshots (user_id, trace_id, global_state, value_state, trait_state, meta, created_at)
        SELECT t.user_id::uuid, 'operator-action-' || a.id, t.global_state, t.value_state, t.trait_state,
               jsonb_build_object('operator_action', jsonb_build_object('id', a.id, 'action', a.action)),
               a.created_at
        FROM target t CROSS JOIN audit a
        WHERE t.user_id ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
    ), webhook AS (
        -- The `operator.action` event (only while a webhook URL is configured: `$7`). Read below, so it runs.
        SELECT public.sigmaris_enqueue_webhook($7::boolean, 'operator.action', jsonb_build_object(
            'user_id', t.user_id, 'action_id', a.id, 'action', a.action, 'reason', a.reason, 'operator', a.operator,
            'created_at', \(ISOTimestampSQL.of("a.created_at")))) AS id
        FROM target t CROSS JOIN audit a
    )
    SELECT id, action, reason, operator, \(ISOTimestampSQL.of("created_at")) AS created_at,
           (SELECT id FROM webhook) AS webhook_id
    FROM audit
    """

    /// Nil when the user has no persona state (never had a turn, or erased it).
    static func userState(userID: String, on connection: PostgresConnection) throws(PostgresError) -> OperatorUserState? {
        guard let row = try connection.query(userStateSQL, [.text(userID)]).first else { return nil }
        let actions = try connection.query(recentActionsSQL, [.text(userID), .int(recentActionLimit)]).map(record)
        let snapshotOwner = UUID(uuidString: userID)
        return OperatorUserState(
            userID: userID,
            globalState: try row.decode(String?.self, "global_state"),
            valueState: try json(row, "value_state"),
            traitState: try json(row, "trait_state"),
            turnCount: try row.decode(Int.self, "turn_count"),
            silenced: try row.decode(Bool.self, "silenced"),
            updatedAt: try row.decode(String.self, "updated_at"),
            actions: actions,
            latestSnapshot: try snapshotOwner.flatMap { owner throws(PostgresError) in
                try ChatStore.newestSnapshots(userID: owner, limit: 1, on: connection).first
            })
    }

    /// Nil when the user has no persona state (nothing is written then).
    static func apply(
        _ action: OperatorAction, userID: String, operatorName: String, reason: String, webhooks: Bool = false,
        on connection: PostgresConnection
    ) throws(PostgresError) -> OperatorActionRecord? {
        let initial = PersonaState.initial
        let rows = try connection.query(applySQL, [
            .text(userID), .text(action.rawValue), .text(operatorName), .text(reason),
            .jsonb(initial.value.json.serialized()), .jsonb(initial.trait.json.serialized()), .bool(webhooks),
        ])
        return try rows.first.map(record)
    }

    private static func record(_ row: PostgresRow) throws(PostgresError) -> OperatorActionRecord {
        OperatorActionRecord(
            id: try row.decode(Int.self, "id"),
            action: try row.decode(String.self, "action"),
            reason: try row.decode(String.self, "reason"),
            operatorName: try row.decode(String.self, "operator"),
            createdAt: try row.decode(String.self, "created_at"))
    }

    private static func json(_ row: PostgresRow, _ column: String) throws(PostgresError) -> JSONValue {
        guard let text = try row.decode(PostgresJSON?.self, column)?.text else { return .object(JSONObject()) }
        do {
            return try JSONValue(parsing: Array(text.utf8))
        } catch {
            throw PostgresError(.decodingFailed, column: column, detail: "jsonb text did not parse")
        }
    }
}
