import SigmarisPostgres

/// Across users, for operators (`GET /persona/overview`).
public struct OperatorOverview: Sendable, Encodable {
    /// How many users are in each global state now (`global_state` null: no state yet).
    public var usersByState: [StateCount]
    /// Users in `SAFETY_LOCK` or under a hold, by user id, at most `OperatorOverviewStore.attentionLimit`.
    public var attention: [AttentionUser]
    /// Turns per global state per hour, for the hours since 23 hours before the current one.
    public var turnsPerHour: [HourlyTurns]
    /// Users a `flag` policy marked for review, newest first (at most `PolicyStore.flaggedUserLimit`).
    public var flagged: [ReviewFlagRecord] = []
    /// What the policies triggered lately, newest first (at most `PolicyStore.recentTriggerLimit`).
    public var policyTriggers: [PolicyTriggerRecord] = []

    enum CodingKeys: String, CodingKey {
        case usersByState = "users_by_state", attention, turnsPerHour = "turns_per_hour"
        case flagged, policyTriggers = "policy_triggers"
    }

    public struct StateCount: Sendable, Encodable, Equatable {
        public var globalState: String?
        public var users: Int
        /// Of those, how many are under an operator's hold.
        public var held: Int

        enum CodingKeys: String, CodingKey { case globalState = "global_state", users, held }
    }

    public struct AttentionUser: Sendable, Encodable, Equatable {
        public var userID: String
        public var globalState: String?
        public var silenced: Bool

        enum CodingKeys: String, CodingKey { case userID = "user_id", globalState = "global_state", silenced }
    }

    public struct HourlyTurns: Sendable, Encodable, Equatable {
        /// The hour's start, ISO 8601 in UTC.
        public var hour: String
        public var globalState: String
        public var turns: Int

        enum CodingKeys: String, CodingKey { case hour, globalState = "global_state", turns }
    }
}

/// Users in SAFETY_LOCK and users under a hold, counted across the database (`/metrics`).
public struct AttentionCounts: Sendable, Equatable {
    public var safetyLock: Int
    public var silenced: Int

    public init(safetyLock: Int, silenced: Int) {
        self.safetyLock = safetyLock
        self.silenced = silenced
    }
}

/// Four statements: the state table (per-state counts, and the users needing attention through the
/// partial index `sigmaris_persona_state_attention_idx`), then the turns of the last 24 hours
/// through the partial index `sigmaris_turns_assistant_created_state_idx` (one row per turn), then
/// the review flags and the newest policy triggers (`PolicyStore`).
enum OperatorOverviewStore {
    static let attentionLimit = 1000

    /// `$1` the attention limit. `kind` tells the two halves apart.
    static let usersSQL = """
    SELECT 'state' AS kind, global_state, count(*)::int AS users, (count(*) FILTER (WHERE silenced))::int AS held,
           NULL::text AS user_id, NULL::boolean AS silenced
    FROM public.sigmaris_persona_state GROUP BY global_state
    UNION ALL
    (SELECT 'attention', global_state, NULL, NULL, user_id, silenced FROM public.sigmaris_persona_state
     WHERE silenced OR global_state = 'SAFETY_LOCK' ORDER BY user_id LIMIT $1)
    """

    /// No parameters: the window is the database's clock, like the rows' `created_at`.
    static let turnsPerHourSQL = """
    SELECT \(ISOTimestampSQL.of("hour")) AS hour, global_state, turns FROM (
        SELECT date_trunc('hour', created_at) AS hour, global_state, count(*)::int AS turns
        FROM public.sigmaris_turns
        WHERE role = 'assistant' AND created_at >= date_trunc('hour', now()) - interval '23 hours'
              AND global_state IS NOT NULL
        GROUP BY 1, 2
    ) AS hourly ORDER BY hourly.hour, global_state
    """

    /// Only the rows of the partial index `sigmaris_persona_state_attention_idx` (its predicate).
    static let attentionCountsSQL = """
    SELECT (count(*) FILTER (WHERE global_state = 'SAFETY_LOCK'))::int AS safety_lock,
           (count(*) FILTER (WHERE silenced))::int AS silenced
    FROM public.sigmaris_persona_state WHERE silenced OR global_state = 'SAFETY_LOCK'
    """

    static func attentionCounts(on connection: PostgresConnection) throws(PostgresError) -> AttentionCounts {
        let row = try connection.query(attentionCountsSQL)[0]
        return AttentionCounts(safetyLock: try row.decode(Int.self, "safety_lock"), silenced: try row.decode(Int.self, "silenced"))
    }

    static func overview(on connection: PostgresConnection) throws(PostgresError) -> OperatorOverview {
        var overview = OperatorOverview(usersByState: [], attention: [], turnsPerHour: [])
        for row in try connection.query(usersSQL, [.int(attentionLimit)]) {
            let globalState = try row.decode(String?.self, "global_state")
            if try row.decode(String.self, "kind") == "state" {
                overview.usersByState.append(.init(
                    globalState: globalState, users: try row.decode(Int.self, "users"), held: try row.decode(Int.self, "held")))
            } else {
                overview.attention.append(.init(
                    userID: try row.decode(String.self, "user_id"), globalState: globalState,
                    silenced: try row.decode(Bool.self, "silenced")))
            }
        }
        overview.usersByState.sort { ($0.globalState ?? "") < ($1.globalState ?? "") }
        for row in try connection.query(turnsPerHourSQL) {
            overview.turnsPerHour.append(.init(
                hour: try row.decode(String.self, "hour"),
                globalState: try row.decode(String.self, "global_state"),
                turns: try row.decode(Int.self, "turns")))
        }
        overview.flagged = try PolicyStore.flaggedUsers(on: connection)
        overview.policyTriggers = try PolicyStore.recentTriggers(on: connection)
        return overview
    }
}
