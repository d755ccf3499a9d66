import SigmarisEngine
import SigmarisJSON
import SigmarisPostgres

/// Policies (`sql/0014_policies.sql`), as the service's own role: the operator routes' reads and
/// writes, and the evaluation each turn runs inside its own transaction.
enum PolicyStore {
    static let recentTriggerLimit = 50
    static let flaggedUserLimit = 1000

    /// The columns of a `PolicyRecord`, from `sigmaris_policies p`.
    static let columns = """
    p.id, p.name, p.metric, p.op, p.value, p.for_turns, p.action, p.reason, p.enabled,
    \(ISOTimestampSQL.of("p.created_at")) AS created_at, \(ISOTimestampSQL.of("p.updated_at")) AS updated_at,
    (SELECT count(*)::int FROM public.sigmaris_policy_triggers t WHERE t.policy_id = p.id) AS triggers,
    (SELECT \(ISOTimestampSQL.of("max(t.created_at)")) FROM public.sigmaris_policy_triggers t WHERE t.policy_id = p.id)
        AS last_triggered_at
    """

    static let listSQL = "SELECT \(columns) FROM public.sigmaris_policies p ORDER BY p.id"

    /// `$1` the id; `FOR UPDATE` when `locking` (a `PATCH` reads, merges, then writes).
    static func selectSQL(locking: Bool) -> String {
        "SELECT \(columns) FROM public.sigmaris_policies p WHERE p.id = $1\(locking ? " FOR UPDATE" : "")"
    }

    /// `$1` name, `$2` metric, `$3` op, `$4` value, `$5` for_turns, `$6` action, `$7` reason, `$8` enabled.
    static let insertSQL = """
    INSERT INTO public.sigmaris_policies (name, metric, op, value, for_turns, action, reason, enabled)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
    RETURNING id
    """

    /// `$1` the id, then as `insertSQL`.
    static let updateSQL = """
    UPDATE public.sigmaris_policies
    SET name = $2, metric = $3, op = $4, value = $5, for_turns = $6, action = $7, reason = $8, enabled = $9,
        updated_at = now()
    WHERE id = $1
    """

    /// `$1` the id.
    static let restartStreaksSQL = "DELETE FROM public.sigmaris_policy_streaks WHERE policy_id = $1"

    /// `$1` the id. Its streaks go with it; its triggers and flags keep its name, their `policy_id`
    /// cleared (sql/0014 has no foreign key, so that a turn racing the deletion cannot fail on one).
    static let deleteSQL = """
    WITH deleted AS (
        DELETE FROM public.sigmaris_policies WHERE id = $1 RETURNING id
    ), streaks AS (
        DELETE FROM public.sigmaris_policy_streaks WHERE policy_id IN (SELECT id FROM deleted)
    ), triggers AS (
        UPDATE public.sigmaris_policy_triggers SET policy_id = NULL WHERE policy_id IN (SELECT id FROM deleted)
    ), flags AS (
        UPDATE public.sigmaris_review_flags SET policy_id = NULL WHERE policy_id IN (SELECT id FROM deleted)
    )
    SELECT id FROM deleted
    """

    /// `$1` the limit.
    static let recentTriggersSQL = """
    SELECT id, policy_id, policy_name, user_id, trace_id, action, \(ISOTimestampSQL.of("created_at")) AS created_at
    FROM public.sigmaris_policy_triggers ORDER BY created_at DESC, id DESC LIMIT $1
    """

    /// `$1` the limit.
    static let flaggedUsersSQL = """
    SELECT user_id, policy_id, policy_name, reason, trace_id, \(ISOTimestampSQL.of("flagged_at")) AS flagged_at
    FROM public.sigmaris_review_flags ORDER BY flagged_at DESC, user_id LIMIT $1
    """

    /// One call per turn (`evaluate`): `$1` user id, `$2` trace id, `$3` the turn's metrics, `$4`
    /// whether webhook events are enqueued.
    static let evaluateSQL = "SELECT public.sigmaris_apply_policies($1, $2, $3, $4) AS triggered"

    static func list(on connection: PostgresConnection) throws(PostgresError) -> [PolicyRecord] {
        try connection.query(listSQL).map(record)
    }

    static func insert(_ definition: PolicyDefinition, on connection: PostgresConnection) throws(PostgresError) -> PolicyRecord {
        let id = try connection.query(insertSQL, parameters(definition))[0].decode(Int.self, "id")
        return try record(try connection.query(selectSQL(locking: false), [.int(id)])[0])
    }

    /// Nil when there is no such policy. Throws `PolicyRuleError` when the merged policy is invalid
    /// (the caller's transaction then rolls back: nothing changes).
    static func update(id: Int, _ changes: PolicyChanges, on connection: PostgresConnection) throws -> PolicyRecord? {
        guard let row = try connection.query(selectSQL(locking: true), [.int(id)]).first else { return nil }
        let stored = try record(row)
        let condition = changes.changesCondition
            ? try PolicyCondition(metric: changes.metric, op: changes.op, value: changes.value, forTurns: changes.forTurns)
            : try PolicyCondition(
                metric: stored.when.metric, op: stored.when.op, value: stored.when.value, forTurns: stored.when.forTurns)
        let definition = try PolicyDefinition(
            name: changes.name ?? stored.name, condition: condition, action: changes.action ?? stored.action,
            reason: changes.reason ?? stored.reason, enabled: changes.enabled ?? stored.enabled)
        try connection.query(updateSQL, [.int(id)] + parameters(definition))
        if changes.restartsStreaks {
            try connection.query(restartStreaksSQL, [.int(id)])
        }
        return try record(try connection.query(selectSQL(locking: false), [.int(id)])[0])
    }

    /// False when there was no such policy.
    static func delete(id: Int, on connection: PostgresConnection) throws(PostgresError) -> Bool {
        try !connection.query(deleteSQL, [.int(id)]).isEmpty
    }

    static func recentTriggers(on connection: PostgresConnection) throws(PostgresError) -> [PolicyTriggerRecord] {
        try connection.query(recentTriggersSQL, [.int(recentTriggerLimit)]).map { row throws(PostgresError) in
            PolicyTriggerRecord(
                id: try row.decode(Int.self, "id"), policyID: try row.decode(Int?.self, "policy_id"),
                policyName: try row.decode(String.self, "policy_name"), userID: try row.decode(String.self, "user_id"),
                traceID: try row.decode(String.self, "trace_id"), action: try row.decode(String.self, "action"),
                createdAt: try row.decode(String.self, "created_at"))
        }
    }

    static func flaggedUsers(on connection: PostgresConnection) throws(PostgresError) -> [ReviewFlagRecord] {
        try connection.query(flaggedUsersSQL, [.int(flaggedUserLimit)]).map { row throws(PostgresError) in
            ReviewFlagRecord(
                userID: try row.decode(String.self, "user_id"), policyID: try row.decode(Int?.self, "policy_id"),
                policyName: try row.decode(String.self, "policy_name"), reason: try row.decode(String.self, "reason"),
                traceID: try row.decode(String?.self, "trace_id"), flaggedAt: try row.decode(String.self, "flagged_at"))
        }
    }

    /// Runs the enabled policies on `turn`, just committed in this transaction (after
    /// `PersonaStateStore.commit`, which holds the user's state row): one statement, which with no
    /// enabled policy reads one index and writes nothing. Returns how many policies triggered.
    @discardableResult
    static func evaluate(
        _ turn: TurnResult, userID: String, webhooksEnabled: Bool, on connection: PostgresConnection
    ) throws(PostgresError) -> Int {
        let rows = try connection.query(evaluateSQL, [
            .text(userID), .text(turn.traceID), .jsonb(PolicyMetric.values(of: turn).serialized()), .bool(webhooksEnabled),
        ])
        return try rows.first?.decode(Int.self, "triggered") ?? 0
    }

    private static func parameters(_ definition: PolicyDefinition) -> [PostgresValue] {
        [
            .text(definition.name), .text(definition.condition.metric.name), .text(definition.condition.op.rawValue),
            .jsonb(definition.condition.value.serialized()), .int(definition.condition.forTurns),
            .text(definition.action.rawValue), .text(definition.reason), .bool(definition.enabled),
        ]
    }

    private static func record(_ row: PostgresRow) throws(PostgresError) -> PolicyRecord {
        guard let valueText = try row.decode(PostgresJSON?.self, "value")?.text,
              let value = try? JSONValue(parsing: valueText)
        else { throw PostgresError(.decodingFailed, column: "value", detail: "jsonb text did not parse") }
        return PolicyRecord(
            id: try row.decode(Int.self, "id"),
            name: try row.decode(String.self, "name"),
            when: .init(
                metric: try row.decode(String.self, "metric"), op: try row.decode(String.self, "op"), value: value,
                forTurns: try row.decode(Int.self, "for_turns")),
            action: try row.decode(String.self, "action"),
            reason: try row.decode(String.self, "reason"),
            enabled: try row.decode(Bool.self, "enabled"),
            triggers: try row.decode(Int.self, "triggers"),
            lastTriggeredAt: try row.decode(String?.self, "last_triggered_at"),
            createdAt: try row.decode(String.self, "created_at"),
            updatedAt: try row.decode(String.self, "updated_at"))
    }
}
