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

    /// One action in one statement (`apply`), through `sigmaris_operator_action` (sql/0014), the
    /// one implementation a `silence` policy uses too: the state row changes and its
    /// `control_version` moves (so a turn in flight conflicts and recomputes under the action), the
    /// audit row is written, and for a UUID user a `sigmaris_state_snapshots` row marks the action on
    /// the user's time series (with the state after it, `meta.operator_action` = `{id, action}`, no
    /// scores). That row is the user's to read (RLS, export), so it names neither the operator nor
    /// the reason; those stay in the audit table. With no state row nothing is written and no row
    /// comes back. With `$7` (a webhook URL is configured) the `operator.action` event goes to the
    /// webhook outbox in the same statement.
    /// `$1` user id, `$2` action, `$3` operator, `$4` reason, `$5`/`$6` the initial value/trait state,
    /// `$7` whether webhooks are on.
    static let applySQL = """
    SELECT id, action, reason, operator, \(ISOTimestampSQL.of("created_at")) AS created_at
    FROM public.sigmaris_operator_action($1, $2, $3, $4, $5, $6, $7)
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
        _ action: OperatorAction, userID: String, operatorName: String, reason: String, webhooks: Bool,
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
