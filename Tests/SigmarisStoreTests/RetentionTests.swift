import Foundation
import SigmarisEngine
import SigmarisPostgres
import SigmarisTestSupport
import Testing
@testable import SigmarisStore

/// `sigmaris prune`: rows older than the cutoff go, in batches; newer ones and, unless asked,
/// conversations stay. On a database of its own: a prune deletes across every user.
@Suite("Retention (sigmaris prune)", .enabled(if: TestDatabase.shouldRun))
struct RetentionTests {
    static let userID = "00000000-0000-4000-8000-00000000aaaa"

    /// Two real turns (the first moved 40 days back), 300 more old turn rows, an old and a new
    /// message and state snapshot, and webhook events: delivered 40 days ago, failed 40 days ago,
    /// delivered today, and pending since 40 days.
    static func fill(_ client: PostgresClient) async throws -> (old: TurnResult, new: TurnResult) {
        let engine = PersonaEngine(provider: LocalProvider(), anchors: SafetyAnchorCache())
        let old = try await engine.runTurn(
            TurnRequest(userID: userID, message: "An old turn"), state: .initial, recentEpisodes: [], context: .random())
        let new = try await engine.runTurn(
            TurnRequest(userID: userID, message: "A new turn"), state: old.newState, recentEpisodes: [old.episode], context: .random())
        for (index, turn) in [old, new].enumerated() {
            try await client.withTransaction {
                try PersonaStateStore.commit(turn, userID: userID, previousTurnCount: index, controlVersion: 0, tracing: true, on: $0)
            }
        }
        for table in RetentionTables.all
        where !["messages", "sigmaris_state_snapshots", "sigmaris_webhook_outbox"].contains(table.name) {
            let key = table.name == "sigmaris_episodes" ? "episode_id" : "trace_id"
            let value = table.name == "sigmaris_episodes" ? old.episode.episodeID : old.traceID
            try await client.query(
                "UPDATE public.\(table.name) SET created_at = now() - interval '40 days' WHERE \(key) = $1", [.text(value)])
        }
        try await client.query(
            """
            INSERT INTO public.sigmaris_turns (trace_id, user_id, role, content, created_at)
            SELECT 'bulk-' || g, $1, 'user', 'bulk', now() - interval '35 days' FROM generate_series(1, 300) g
            """, [.text(userID)])
        for days in [40, 0] {
            try await client.query(
                "INSERT INTO public.messages (user_id, session_id, role, content, created_at) VALUES ($1, 's', 'user', 'hi', now() - make_interval(days => $2::int))",
                [.uuid(UUID(uuidString: userID)!), .int(days)])
            try await client.query(
                "INSERT INTO public.sigmaris_state_snapshots (user_id, session_id, created_at) VALUES ($1, 's', now() - make_interval(days => $2::int))",
                [.uuid(UUID(uuidString: userID)!), .int(days)])
        }
        try await client.query(
            """
            INSERT INTO public.sigmaris_webhook_outbox (event_type, payload, status, created_at, finished_at)
            VALUES ('operator.action', '{}', 'delivered', now() - interval '41 days', now() - interval '40 days'),
                   ('operator.action', '{}', 'failed', now() - interval '41 days', now() - interval '40 days'),
                   ('operator.action', '{}', 'delivered', now(), now()),
                   ('operator.action', '{}', 'pending', now() - interval '40 days', NULL)
            """)
        try await client.query("ANALYZE")
        return (old, new)
    }

    static func counts(_ client: PostgresClient) async throws -> [String: Int] {
        var counts = [String: Int]()
        for table in RetentionTables.all {
            counts[table.name] = try await client.query("SELECT count(*)::int AS n FROM public.\(table.name)")[0].decode(Int.self, "n")
        }
        return counts
    }

    @Test func oldAuditRowsGoInBatchesAndConversationsStayUnlessAsked() async throws {
        try await TestDatabase.withFreshDatabase(prefix: "sigmaris_prune") { client in
            _ = try await MigrationRunner(client: client, logger: TestDatabase.logger)
                .migrate(try Migration.load(from: TestDatabase.migrationsDirectory))
            let (old, new) = try await Self.fill(client)
            let retention = Retention(database: client)
            let before = try await Self.counts(client)

            var dryRun = PruneRequest(olderThanDays: 30)
            dryRun.dryRun = true
            let dry = try await retention.prune(dryRun)
            #expect(try await Self.counts(client) == before, "a dry run deletes nothing")
            let wouldGo = Dictionary(uniqueKeysWithValues: dry.map { ($0.table, $0.rows) })
            #expect(wouldGo["sigmaris_turns"] == 302)
            #expect(wouldGo["sigmaris_turn_audit"] == 1)
            #expect(wouldGo["messages"] == nil, "conversations are not even counted without the flag")
            #expect(wouldGo["sigmaris_webhook_outbox"] == 2, "finished events only: a pending one stays however old")

            var smallBatches = PruneRequest(olderThanDays: 30)
            smallBatches.batchRows = 50
            smallBatches.pause = .zero
            let pruned = try await retention.prune(smallBatches)
            let deleted = Dictionary(uniqueKeysWithValues: pruned.map { ($0.table, $0) })
            #expect(deleted["sigmaris_turns"]?.rows == 302)
            #expect((deleted["sigmaris_turns"]?.batches ?? 0) > 1, "300 rows at 50 a batch take several transactions")
            for table in ["sigmaris_turn_audit", "sigmaris_value_snapshots", "sigmaris_trait_snapshots", "sigmaris_safety_assessments"] {
                #expect(deleted[table]?.rows == 1, "\(table)")
            }
            let after = try await Self.counts(client)
            #expect(after["sigmaris_turns"] == 2)
            for table in ["sigmaris_turn_audit", "sigmaris_value_snapshots", "sigmaris_trait_snapshots", "sigmaris_safety_assessments"] {
                #expect(after[table] == 1, "\(table)")
            }
            #expect(after["messages"] == 2)
            #expect(after["sigmaris_state_snapshots"] == 2)
            #expect(after["sigmaris_episodes"] == 2)
            #expect(deleted["sigmaris_webhook_outbox"]?.rows == 2)
            let outboxLeft = try await client.query("SELECT status FROM public.sigmaris_webhook_outbox ORDER BY status")
                .map { try $0.decode(String.self, "status") }
            #expect(outboxLeft == ["delivered", "pending"])
            // What is left of the new turn is whole: the views still rebuild it.
            try await StoreEachFactOnceTests.expectStoredOnce(new, userID: Self.userID, tracing: true, client)
            let oldLeft = try await client.query(
                "SELECT count(*)::int AS n FROM public.sigmaris_turns_v WHERE trace_id = $1", [.text(old.traceID)])
            #expect(try oldLeft[0].decode(Int.self, "n") == 0)

            let versionSQL = "SELECT control_version FROM public.sigmaris_persona_state WHERE user_id = $1"
            let versionBefore = try await client.query(versionSQL, [.text(Self.userID)])[0].decode(Int.self, "control_version")
            var everything = PruneRequest(olderThanDays: 30)
            everything.includeConversations = true
            let withConversations = try await retention.prune(everything)
            // An episode went: recall windows cached by any instance no longer match the state row.
            let versionAfter = try await client.query(versionSQL, [.text(Self.userID)])[0].decode(Int.self, "control_version")
            #expect(versionAfter == versionBefore + 1)
            #expect(withConversations.first { $0.table == "messages" }?.rows == 1)
            let last = try await Self.counts(client)
            #expect(last["messages"] == 1)
            #expect(last["sigmaris_state_snapshots"] == 1)
            #expect(last["sigmaris_episodes"] == 1)
            #expect(last["sigmaris_turns"] == 2)
        }
    }

    @Test func everyTableOfTheListExistsWithItsTimeColumn() async throws {
        try await TestDatabase.withMigratedClient { client in
            for table in RetentionTables.all {
                let rows = try await client.query(
                    "SELECT count(*)::int AS n FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1 AND column_name = $2",
                    [.text(table.name), .text(table.timeColumn)])
                #expect(try rows[0].decode(Int.self, "n") == 1, "\(table.name).\(table.timeColumn)")
            }
        }
    }
}
