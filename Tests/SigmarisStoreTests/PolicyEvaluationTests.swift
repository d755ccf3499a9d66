import Foundation
import SigmarisEngine
import SigmarisJSON
import SigmarisPostgres
import SigmarisTestSupport
import Testing
@testable import SigmarisStore

/// Policies evaluated inside a turn's commit (`sigmaris_apply_policies`), on a database of their own:
/// a policy acts on every user's turns, which the shared database's parallel tests must not see.
@Suite("Policies in a turn's commit", .enabled(if: TestDatabase.shouldRun))
struct PolicyEvaluationTests {
    static let engine = PersonaEngine(provider: LocalProvider(), anchors: SafetyAnchorCache())
    static let benign = "Hello, how are you today?"
    static let harassing = "I will harass you, stalk you and doxx you."

    /// One turn of `userID` from what the store holds (under the user's hold, as `TurnRunner` runs it).
    @discardableResult
    static func turn(
        _ store: SigmarisStore, _ userID: String, _ message: String = benign
    ) async throws -> TurnResult {
        let memory = try await store.loadMemory(userID: userID)
        let result = try await engine.runTurn(
            memory.applyingHold(to: TurnRequest(userID: userID, message: message, rewardSignal: 1)),
            state: memory.state, recentEpisodes: memory.recentEpisodes, context: .random())
        try await store.commitTurn(result, from: memory, userID: userID, tracing: false, chat: nil)
        return result
    }

    static func policy(
        _ name: String, _ metric: String, _ op: String, _ value: JSONValue, forTurns: Int = 1, action: String,
        enabled: Bool = true
    ) throws -> PolicyDefinition {
        try PolicyDefinition(
            name: name, condition: PolicyCondition(metric: metric, op: op, value: value, forTurns: forTurns),
            action: action, reason: "test \(name)", enabled: enabled)
    }

    static func count(_ client: PostgresClient, _ sql: String, _ userID: String) async throws -> Int {
        try await client.query(sql, [.text(userID)])[0].decode(Int.self, "n")
    }

    static func triggers(_ client: PostgresClient, _ userID: String) async throws -> [String] {
        try await client.query(
            "SELECT trace_id FROM sigmaris_policy_triggers WHERE user_id = $1 ORDER BY id", [.text(userID)]
        ).map { try $0.decode(String.self, "trace_id") }
    }

    @Test func triggersExactlyOnTheTurnThatCompletesTheStreakAndOncePerStreak() async throws {
        try await TestDatabase.withFreshMigratedDatabase(prefix: "sigmaris_policy_streak") { client, _ in
            let store = SigmarisStore(database: client)
            let policy = try await store.createPolicy(try Self.policy("risky", "safety_risk_score", ">=", 0.5, forTurns: 3, action: "notify"))
            let userID = "policy_streak"
            // A risky turn, a calm one (the streak ends), then three risky ones: the third triggers.
            try await Self.turn(store, userID, Self.harassing)
            let calm = try await Self.turn(store, userID, Self.benign)
            #expect((PolicyMetric.values(of: calm)["safety_risk_score"]?.doubleValue ?? 1) < 0.5)
            let first = try await Self.turn(store, userID, Self.harassing)
            #expect((PolicyMetric.values(of: first)["safety_risk_score"]?.doubleValue ?? 0) >= 0.5)
            try await Self.turn(store, userID, Self.harassing)
            #expect(try await Self.triggers(client, userID).isEmpty)
            let third = try await Self.turn(store, userID, Self.harassing)
            #expect(try await Self.triggers(client, userID) == [third.traceID])
            // A fourth matching turn continues the same streak: no second trigger.
            try await Self.turn(store, userID, Self.harassing)
            #expect(try await Self.triggers(client, userID).count == 1)
            let listed = try await store.policies()
            #expect(listed.map(\.id) == [policy.id])
            #expect(listed.first?.triggers == 1 && listed.first?.lastTriggeredAt != nil)
        }
    }

    @Test func silenceCommitsWithTheCrossingTurnAndTheNextTurnIsSilent() async throws {
        try await TestDatabase.withFreshMigratedDatabase(prefix: "sigmaris_policy_silence") { client, _ in
            let store = SigmarisStore(database: client)
            let policy = try await store.createPolicy(try Self.policy("hush", "safety_flag", "==", "none", forTurns: 2, action: "silence"))
            let userID = UUID().uuidString.lowercased()
            try await Self.turn(store, userID)
            #expect(try await store.loadMemory(userID: userID).silenced == false)
            let crossing = try await Self.turn(store, userID)
            #expect(crossing.newState.globalState != .silent)

            let memory = try await store.loadMemory(userID: userID)
            #expect(memory.silenced)
            #expect(memory.controlVersion == 1)
            let actions = try await client.query(
                "SELECT operator, action, reason FROM sigmaris_operator_actions WHERE user_id = $1", [.text(userID)])
            #expect(actions.count == 1)
            #expect(try actions.first?.decode(String.self, "operator") == "policy:\(policy.id)")
            #expect(try actions.first?.decode(String.self, "action") == "silence")
            #expect(try actions.first?.decode(String.self, "reason") == "test hush")
            // The operator action's snapshot row, as `POST /persona/state` writes it.
            #expect(try await Self.count(
                client, "SELECT count(*)::int AS n FROM sigmaris_state_snapshots WHERE user_id = $1::uuid AND trace_id LIKE 'operator-action-%'",
                userID) == 1)

            let next = try await Self.turn(store, userID)
            #expect(next.newState.globalState == .silent)
            // Silenced already: later streaks trigger (recorded) without another audit row.
            try await Self.turn(store, userID, Self.harassing)
            try await Self.turn(store, userID)
            try await Self.turn(store, userID)
            #expect(try await Self.triggers(client, userID).count == 2)
            #expect(try await Self.count(client, "SELECT count(*)::int AS n FROM sigmaris_operator_actions WHERE user_id = $1", userID) == 1)
        }
    }

    @Test func notifyWritesAnOutboxRowOnlyWhenWebhooksAreEnabled() async throws {
        try await TestDatabase.withFreshMigratedDatabase(prefix: "sigmaris_policy_notify") { client, _ in
            // The same database, once without a webhook URL and once with one.
            let store = SigmarisStore(database: client)
            let notifying = SigmarisStore(database: client, webhooksEnabled: true)
            let policy = try await store.createPolicy(try Self.policy("ping", "safety_flag", "==", "none", action: "notify"))
            let quiet = "policy_notify_off", loud = "policy_notify_on"
            try await Self.turn(store, quiet)
            #expect(try await Self.triggers(client, quiet).count == 1)
            #expect(try await client.query("SELECT id FROM sigmaris_webhook_outbox").isEmpty)

            let turn = try await Self.turn(notifying, loud)
            let rows = try await client.query("SELECT event_type, payload FROM sigmaris_webhook_outbox")
            #expect(rows.count == 1)
            #expect(try rows.first?.decode(String.self, "event_type") == "policy.triggered")
            let payload = try JSONValue(parsing: try rows[0].decode(PostgresJSON.self, "payload").text)
            #expect(payload["type"]?.stringValue == "policy.triggered")
            #expect(payload["data"]?["user_id"]?.stringValue == loud)
            #expect(payload["data"]?["trace_id"]?.stringValue == turn.traceID)
            #expect(payload["data"]?["action"]?.stringValue == "notify")
            #expect(payload["data"]?["policy"]?["id"]?.intValue == policy.id)
            #expect(payload["data"]?["observed"]?.stringValue == "none")
            // Nothing but the event: no hold, no flag.
            #expect(try await store.loadMemory(userID: loud).silenced == false)
            #expect(try await Self.count(client, "SELECT count(*)::int AS n FROM sigmaris_review_flags WHERE user_id = $1", loud) == 0)
        }
    }

    @Test func aDisabledPolicyDoesNothingAndEnablingStartsItsStreakAgain() async throws {
        try await TestDatabase.withFreshMigratedDatabase(prefix: "sigmaris_policy_disabled") { client, _ in
            let store = SigmarisStore(database: client)
            let policy = try await store.createPolicy(
                try Self.policy("off", "safety_flag", "==", "none", forTurns: 2, action: "flag", enabled: false))
            let userID = "policy_disabled"
            for _ in 0..<3 { try await Self.turn(store, userID) }
            #expect(try await Self.triggers(client, userID).isEmpty)
            #expect(try await Self.count(client, "SELECT count(*)::int AS n FROM sigmaris_policy_streaks WHERE user_id = $1", userID) == 0)

            #expect(try await store.updatePolicy(id: policy.id, PolicyChanges(enabled: true))?.enabled == true)
            try await Self.turn(store, userID)
            #expect(try await Self.triggers(client, userID).isEmpty)
            try await Self.turn(store, userID)
            #expect(try await Self.triggers(client, userID).count == 1)
            #expect(try await Self.count(client, "SELECT count(*)::int AS n FROM sigmaris_review_flags WHERE user_id = $1", userID) == 1)
            // Disabling ends the streaks it had.
            _ = try await store.updatePolicy(id: policy.id, PolicyChanges(enabled: false))
            #expect(try await Self.count(client, "SELECT count(*)::int AS n FROM sigmaris_policy_streaks WHERE user_id = $1", userID) == 0)
        }
    }

    @Test func anInvalidChangeIsRefusedAndChangesNothing() async throws {
        try await TestDatabase.withFreshMigratedDatabase(prefix: "sigmaris_policy_change") { client, _ in
            let store = SigmarisStore(database: client)
            let policy = try await store.createPolicy(try Self.policy("p", "overload_score", ">", 0.7, action: "flag"))
            await #expect(throws: PolicyRuleError.self) {
                _ = try await store.updatePolicy(id: policy.id, PolicyChanges(metric: "global_state"))
            }
            #expect(try await store.policies() == [policy])
            #expect(try await store.updatePolicy(id: policy.id + 1, PolicyChanges(name: "x")) == nil)
            #expect(try await store.deletePolicy(id: policy.id))
            #expect(try await store.deletePolicy(id: policy.id) == false)
        }
    }

    /// A deleted policy's streaks go; its trigger and flag stay under its name. No foreign key ties
    /// them (a turn racing the deletion must not fail): a streak left for a policy that is gone is
    /// removed by the user's next turn.
    @Test func deletingAPolicyKeepsWhatItDidUnderItsName() async throws {
        try await TestDatabase.withFreshMigratedDatabase(prefix: "sigmaris_policy_delete") { client, _ in
            let store = SigmarisStore(database: client)
            let flag = try await store.createPolicy(try Self.policy("flagger", "safety_flag", "==", "none", action: "flag"))
            let waiting = try await store.createPolicy(try Self.policy("waiting", "safety_flag", "==", "none", forTurns: 9, action: "notify"))
            let userID = "policy_delete"
            try await Self.turn(store, userID)
            #expect(try await Self.count(client, "SELECT count(*)::int AS n FROM sigmaris_policy_streaks WHERE user_id = $1", userID) == 2)
            #expect(try await store.deletePolicy(id: flag.id))
            let kept = try await client.query("""
                SELECT (SELECT count(*) FROM sigmaris_policy_triggers WHERE policy_id IS NULL AND policy_name = 'flagger')::int AS triggers,
                       (SELECT count(*) FROM sigmaris_review_flags WHERE policy_id IS NULL AND policy_name = 'flagger')::int AS flags,
                       (SELECT count(*) FROM sigmaris_policy_streaks WHERE policy_id = $1)::int AS streaks
                """, [.int(flag.id)])[0]
            #expect(try kept.decode(Int.self, "triggers") == 1 && kept.decode(Int.self, "flags") == 1)
            #expect(try kept.decode(Int.self, "streaks") == 0)

            // What a turn racing a deletion could leave: a streak of a policy that is gone.
            try await client.query(
                "INSERT INTO sigmaris_policy_streaks (policy_id, user_id, streak) VALUES ($1, $2, 1)", [.int(waiting.id + 100), .text(userID)])
            try await Self.turn(store, userID)
            let streaks = try await client.query(
                "SELECT policy_id, streak FROM sigmaris_policy_streaks WHERE user_id = $1", [.text(userID)])
            #expect(streaks.count == 1)
            #expect(try streaks.first?.decode(Int.self, "policy_id") == waiting.id)
            #expect(try streaks.first?.decode(Int.self, "streak") == 2)
        }
    }

    /// With no enabled policy a turn's evaluation writes nothing (and reads one index).
    @Test func noEnabledPolicyWritesNothing() async throws {
        try await TestDatabase.withFreshMigratedDatabase(prefix: "sigmaris_policy_none") { client, _ in
            let store = SigmarisStore(database: client)
            try await Self.turn(store, "policy_none")
            let rows = try await client.query("""
                SELECT (SELECT count(*) FROM sigmaris_policy_streaks)::int + (SELECT count(*) FROM sigmaris_policy_triggers)::int
                       + (SELECT count(*) FROM sigmaris_review_flags)::int AS n
                """)
            #expect(try rows[0].decode(Int.self, "n") == 0)
        }
    }
}
