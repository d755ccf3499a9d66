import Foundation
import SigmarisPostgres

/// How many rows of the user an erase deleted, per table (the JSON keys are the table names).
public struct ErasedRows: Sendable, Equatable, Codable {
    public var messages = 0
    public var stateSnapshots = 0
    public var personaState = 0
    public var episodes = 0
    public var turns = 0
    public var valueSnapshots = 0
    public var traitSnapshots = 0
    public var safetyAssessments = 0
    /// Audit rows (`sigmaris_turn_audit`): one per turn, holding its trace events since sql/0007.
    public var turnAudit = 0
    /// Rows of the retired `sigmaris_trace_events` table (written only before sql/0007).
    public var traceEvents = 0
    /// The user's policy streaks, review flag and policy trigger records (sql/0014).
    public var policyStreaks = 0
    public var reviewFlags = 0
    public var policyTriggers = 0

    enum CodingKeys: String, CodingKey {
        case messages
        case stateSnapshots = "sigmaris_state_snapshots"
        case personaState = "sigmaris_persona_state"
        case episodes = "sigmaris_episodes"
        case turns = "sigmaris_turns"
        case valueSnapshots = "sigmaris_value_snapshots"
        case traitSnapshots = "sigmaris_trait_snapshots"
        case safetyAssessments = "sigmaris_safety_assessments"
        case turnAudit = "sigmaris_turn_audit"
        case traceEvents = "sigmaris_trace_events"
        case policyStreaks = "sigmaris_policy_streaks"
        case reviewFlags = "sigmaris_review_flags"
        case policyTriggers = "sigmaris_policy_triggers"
    }
}

extension UserRows {
    /// Deletes every row the service holds for this user, in one transaction: their `messages` and
    /// `sigmaris_state_snapshots` under their RLS scope, then, as the service's own role (the persona
    /// core tables are not the user's to write), the persona rows keyed by their id, and the audit
    /// rows and any retired trace event rows of their traces. Their traces are those of their turn
    /// rows and of their audit rows (`user_id`), so an audit row whose turn rows are already gone is
    /// erased too. The id comes only from the verified `StoreUser`. Each count is of rows of the
    /// table it is named after: a turn's trace events are inside its one audit row.
    ///
    /// The user's state row is locked first (`TurnSerialization`), so a turn of theirs is erased whole
    /// or commits whole after the erase, on any instance; the chat rows go in one statement, so an
    /// exchange stored without a turn (remote-core mode) is also erased whole or not at all. Nothing
    /// of the user stays in this process's recall cache either (`RecallWindowCache.invalidating`).
    public func eraseEverything() async throws -> ErasedRows {
        let userID = user.id
        let personaUserID = user.personaUserID
        let claims = user.claimsJSON
        return try await RecallWindowCache.invalidating(recallWindows, userID: personaUserID) {
            try await erase(userID: userID, personaUserID: personaUserID, claims: claims)
        }
    }

    private func erase(userID: UUID, personaUserID: String, claims: String) async throws -> ErasedRows {
        try await database.withTransaction { connection in
            var erased = ErasedRows()
            let locked = try TurnSerialization.lockCreatingRow(personaUserID, on: connection)
            try UserScope.enter(claimsJSON: claims, on: connection)
            let chat = try connection.query(Self.eraseChatRowsSQL, [.uuid(userID)])[0]
            erased.messages = try chat.decode(Int.self, "messages")
            erased.stateSnapshots = try chat.decode(Int.self, "snapshots")
            try UserScope.leave(on: connection)
            // One statement: every CTE sees the same snapshot, so `traces` still finds the turns
            // that `turns` deletes.
            let counts = try connection.query(
                """
                WITH traces AS (
                    SELECT trace_id FROM public.sigmaris_turns WHERE user_id = $1
                    UNION
                    SELECT trace_id FROM public.sigmaris_turn_audit WHERE user_id = $1
                ), audit AS (
                    DELETE FROM public.sigmaris_turn_audit WHERE trace_id IN (SELECT trace_id FROM traces)
                    RETURNING 1
                ), retired_events AS (
                    DELETE FROM public.sigmaris_trace_events WHERE trace_id IN (SELECT trace_id FROM traces) RETURNING 1
                ), turns AS (
                    DELETE FROM public.sigmaris_turns WHERE user_id = $1 RETURNING 1
                ), episodes AS (
                    DELETE FROM public.sigmaris_episodes WHERE user_id = $1 RETURNING 1
                ), value_snapshots AS (
                    DELETE FROM public.sigmaris_value_snapshots WHERE user_id = $1 RETURNING 1
                ), trait_snapshots AS (
                    DELETE FROM public.sigmaris_trait_snapshots WHERE user_id = $1 RETURNING 1
                ), safety AS (
                    DELETE FROM public.sigmaris_safety_assessments WHERE user_id = $1 RETURNING 1
                ), state AS (
                    DELETE FROM public.sigmaris_persona_state WHERE user_id = $1 RETURNING 1
                ), policy_streaks AS (
                    DELETE FROM public.sigmaris_policy_streaks WHERE user_id = $1 RETURNING 1
                ), review_flags AS (
                    DELETE FROM public.sigmaris_review_flags WHERE user_id = $1 RETURNING 1
                ), policy_triggers AS (
                    DELETE FROM public.sigmaris_policy_triggers WHERE user_id = $1 RETURNING 1
                )
                SELECT (SELECT count(*) FROM state)::int AS state, (SELECT count(*) FROM episodes)::int AS episodes,
                       (SELECT count(*) FROM turns)::int AS turns, (SELECT count(*) FROM value_snapshots)::int AS value_snapshots,
                       (SELECT count(*) FROM trait_snapshots)::int AS trait_snapshots, (SELECT count(*) FROM safety)::int AS safety,
                       (SELECT count(*) FROM audit)::int AS turn_audit, (SELECT count(*) FROM retired_events)::int AS trace_events,
                       (SELECT count(*) FROM policy_streaks)::int AS policy_streaks,
                       (SELECT count(*) FROM review_flags)::int AS review_flags,
                       (SELECT count(*) FROM policy_triggers)::int AS policy_triggers
                """,
                [.text(personaUserID)])
            let row = counts[0]
            // The placeholder that held the lock is no row of the user's.
            erased.personaState = try row.decode(Int.self, "state") - (locked == .placeholder ? 1 : 0)
            erased.episodes = try row.decode(Int.self, "episodes")
            erased.turns = try row.decode(Int.self, "turns")
            erased.valueSnapshots = try row.decode(Int.self, "value_snapshots")
            erased.traitSnapshots = try row.decode(Int.self, "trait_snapshots")
            erased.safetyAssessments = try row.decode(Int.self, "safety")
            erased.turnAudit = try row.decode(Int.self, "turn_audit")
            erased.traceEvents = try row.decode(Int.self, "trace_events")
            erased.policyStreaks = try row.decode(Int.self, "policy_streaks")
            erased.reviewFlags = try row.decode(Int.self, "review_flags")
            erased.policyTriggers = try row.decode(Int.self, "policy_triggers")
            return erased
        }
    }

    /// The user's `messages` and `sigmaris_state_snapshots` in one statement (one snapshot); `$1` the
    /// user id. Under the user's scope.
    static let eraseChatRowsSQL = """
    WITH messages AS (
        DELETE FROM public.messages WHERE user_id = $1 RETURNING 1
    ), snapshots AS (
        DELETE FROM public.sigmaris_state_snapshots WHERE user_id = $1 RETURNING 1
    )
    SELECT (SELECT count(*) FROM messages)::int AS messages, (SELECT count(*) FROM snapshots)::int AS snapshots
    """
}
