import Foundation
import SigmarisEngine
import SigmarisPostgres
import SigmarisTestSupport
import Testing
@testable import SigmarisStore

/// `sql/0011_turn_facts_in_chat_rows.sql`: an `/api/aei` turn's persona rows leave out what its chat
/// rows hold, the views give every fact back exactly as the engine made it, deleting chat rows first
/// writes their facts back, and the migration moves rows of the previous shape forward unchanged.
@Suite("A turn's facts held by its chat rows are stored once", .enabled(if: TestDatabase.shouldRun))
struct TurnFactsInChatRowsTests {
    /// Three turns of a signed-in user in one session, each with the chat record `/api/aei` would write for it.
    static func turns(of user: StoreUser) async throws -> [(turn: TurnResult, chat: ChatRecord)] {
        try await StoreEachFactOnceTests.turns(userID: user.personaUserID, sessionID: "facts").enumerated().map { index, turn in
            (turn, ChatRecord(user: user, sessionID: turn.sessionID, message: StoreEachFactOnceTests.messages[index]))
        }
    }

    /// How many of the turn's copies are left out, and whether its chat rows are exactly the engine's.
    static let sharedSQL = """
    SELECT (SELECT count(*) FROM public.sigmaris_turns WHERE user_id = $1 AND trace_id = $2 AND content IS NULL)::int AS texts,
           (SELECT count(*) FROM public.sigmaris_value_snapshots WHERE user_id = $1 AND trace_id = $2 AND state IS NULL AND delta IS NULL)::int AS value,
           (SELECT count(*) FROM public.sigmaris_trait_snapshots WHERE user_id = $1 AND trace_id = $2 AND state IS NULL AND delta IS NULL)::int AS trait,
           (SELECT count(*) FROM public.sigmaris_safety_assessments WHERE user_id = $1 AND trace_id = $2
                AND categories IS NULL AND reasons IS NULL)::int AS safety,
           (SELECT count(*) FROM public.sigmaris_turn_audit WHERE user_id = $1 AND trace_id = $2 AND record ? 'meta_own'
                AND NOT record ? 'meta')::int AS audit,
           (SELECT count(*) FROM public.sigmaris_state_snapshots WHERE user_id = $1::uuid AND trace_id = $2 AND meta = $3::jsonb)::int AS snapshot,
           (SELECT count(*) FROM public.messages m JOIN public.sigmaris_state_snapshots s
                ON s.user_id = m.user_id AND s.created_at = m.created_at AND s.session_id = m.session_id
            WHERE s.user_id = $1::uuid AND s.trace_id = $2
              AND ((m.role = 'user' AND m.content = $4) OR (m.role = 'ai' AND m.content = $5)))::int AS messages
    """

    /// Each copy of the turn is left out (`true`) or stored (`false`) in all five tables.
    static func expectShared(_ shared: Bool, _ turn: TurnResult, user: StoreUser, _ client: PostgresClient) async throws {
        let row = try await client.query(
            sharedSQL,
            [.text(user.personaUserID), .text(turn.traceID), .jsonb(turn.meta.serialized()),
             .text(turn.turnRows[0].content), .text(turn.reply)])[0]
        let (rows, one) = shared ? (2, 1) : (0, 0)
        #expect(try row.decode(Int.self, "texts") == rows, "turn texts of \(turn.traceID)")
        #expect(try row.decode(Int.self, "value") == one, "value snapshot of \(turn.traceID)")
        #expect(try row.decode(Int.self, "trait") == one, "trait snapshot of \(turn.traceID)")
        #expect(try row.decode(Int.self, "safety") == one, "safety assessment of \(turn.traceID)")
        #expect(try row.decode(Int.self, "audit") == one, "audit meta of \(turn.traceID)")
    }

    /// The chat rows are exactly what the engine made (`messages`, `sigmaris_state_snapshots`).
    static func expectChatRows(_ turn: TurnResult, user: StoreUser, _ client: PostgresClient) async throws {
        let row = try await client.query(
            sharedSQL,
            [.text(user.personaUserID), .text(turn.traceID), .jsonb(turn.meta.serialized()),
             .text(turn.turnRows[0].content), .text(turn.reply)])[0]
        #expect(try row.decode(Int.self, "snapshot") == 1, "state snapshot of \(turn.traceID)")
        #expect(try row.decode(Int.self, "messages") == 2, "messages of \(turn.traceID)")
    }

    static func commitAll(_ turns: [(turn: TurnResult, chat: ChatRecord)], _ store: SigmarisStore) async throws {
        for (index, item) in turns.enumerated() {
            try await store.commitTurn(
                item.turn, userID: item.chat.user.personaUserID, previousTurnCount: index, controlVersion: 0, tracing: true,
                chat: item.chat)
        }
    }

    @Test func aTurnWithChatRowsLeavesTheirFactsToThem() async throws {
        try await TestDatabase.withMigratedClient { client in
            let user = SessionAndEraseRaceTests.user()
            let turns = try await Self.turns(of: user)
            try await Self.commitAll(turns, SigmarisStore(database: client))
            for (turn, _) in turns {
                try await StoreEachFactOnceTests.expectStoredOnce(turn, userID: user.personaUserID, tracing: true, client)
                try await Self.expectShared(true, turn, user: user, client)
                try await Self.expectChatRows(turn, user: user, client)
            }
        }
    }

    @Test func aTurnWhoseChatRowsDifferKeepsItsOwnCopies() async throws {
        let user = SessionAndEraseRaceTests.user()
        let turn = try #require(try await Self.turns(of: user).first)
        let userID = user.personaUserID
        let all = TurnFactsInChatRows(turn.turn, userID: userID, chat: turn.chat)
        #expect(all.texts && all.valueSnapshot && all.traitSnapshot && all.safetyDetails && all.assistantMetaContext)
        #expect(TurnFactsInChatRows(turn.turn, userID: userID, chat: nil) == TurnFactsInChatRows())
        #expect(TurnFactsInChatRows(turn.turn, userID: "someone-else", chat: turn.chat) == TurnFactsInChatRows())
        var otherSession = turn.chat
        otherSession.sessionID += "-other"
        #expect(!TurnFactsInChatRows(turn.turn, userID: userID, chat: otherSession).texts)
        var otherMessage = turn.chat
        otherMessage.message += " (edited)"
        #expect(!TurnFactsInChatRows(turn.turn, userID: userID, chat: otherMessage).texts)
        var otherMeta = turn.turn
        otherMeta.meta = ["trace_id": .string(turn.turn.traceID)]
        let fromOtherMeta = TurnFactsInChatRows(otherMeta, userID: userID, chat: turn.chat)
        #expect(fromOtherMeta.texts && !fromOtherMeta.valueSnapshot && !fromOtherMeta.traitSnapshot)
        #expect(!fromOtherMeta.safetyDetails && !fromOtherMeta.assistantMetaContext)
        #expect(fromOtherMeta.auditMeta(turn.turn.turnRows[1].meta).key == "meta")
        #expect(all.auditMeta(turn.turn.turnRows[1].meta).key == "meta_own")
    }

    /// Deleting chat rows while the persona rows stay: the views read the same afterwards, and the
    /// rows that lost their chat row hold their facts again.
    @Test(arguments: ["exchange", "messages", "session"])
    func deletingChatRowsWritesTheirFactsBack(_ deletion: String) async throws {
        try await TestDatabase.withMigratedClient { client in
            let user = SessionAndEraseRaceTests.user()
            let turns = try await Self.turns(of: user)
            let store = SigmarisStore(database: client)
            try await Self.commitAll(turns, store)
            let rows = store.rows(of: user)
            let sessionID = turns[0].chat.sessionID
            switch deletion {
            case "exchange":
                let first = try #require(try await rows.timedMessagePairs(sessionID: sessionID).first)
                #expect(try await rows.deleteExchange(sessionID: sessionID, createdAt: first.createdAt) == 2)
            case "messages":
                #expect(try await rows.deleteMessages(sessionID: sessionID) == 6)
            default:
                let deleted = try await rows.deleteSession(sessionID)
                #expect(deleted?.messages == 6 && deleted?.snapshots == 3)
            }
            for (index, (turn, _)) in turns.enumerated() {
                try await StoreEachFactOnceTests.expectStoredOnce(turn, userID: user.personaUserID, tracing: true, client)
                let texts = try await client.query(
                    "SELECT count(*)::int AS n FROM public.sigmaris_turns WHERE trace_id = $1 AND content IS NOT NULL", [.text(turn.traceID)])
                let restored = deletion != "exchange" || index == 0
                #expect(try texts[0].decode(Int.self, "n") == (restored ? 2 : 0), "turn texts of turn \(index) after \(deletion)")
            }
            if deletion == "session" {
                for (turn, _) in turns {
                    try await Self.expectShared(false, turn, user: user, client)
                }
            }
        }
    }

    /// Every row of every view and chat table, as JSON, ordered: what a reader sees. `audit` is the
    /// audit table before 0011 and its view after. Names are constants of this file, never input.
    static func everyRow(_ client: PostgresClient, audit: String) async throws -> [String: String] {
        let row = try await client.query("""
            SELECT (SELECT jsonb_agg(to_jsonb(t) ORDER BY id) FROM public.sigmaris_turns_v t) AS turns,
                   (SELECT jsonb_agg(to_jsonb(t) ORDER BY id) FROM public.sigmaris_value_snapshots_v t) AS value_snapshots,
                   (SELECT jsonb_agg(to_jsonb(t) ORDER BY id) FROM public.sigmaris_trait_snapshots_v t) AS trait_snapshots,
                   (SELECT jsonb_agg(to_jsonb(t) ORDER BY id) FROM public.sigmaris_safety_assessments_v t) AS safety,
                   (SELECT jsonb_agg(to_jsonb(t) ORDER BY trace_id, seq) FROM public.sigmaris_trace_events_v t) AS events,
                   (SELECT jsonb_agg(to_jsonb(t) ORDER BY id) FROM public.messages t) AS messages,
                   (SELECT jsonb_agg(to_jsonb(t) ORDER BY id) FROM public.sigmaris_state_snapshots t) AS snapshots,
                   (SELECT jsonb_agg(jsonb_build_array(trace_id, user_id, record, created_at) ORDER BY trace_id)
                    FROM public.\(audit) t) AS audit
            """)[0]
        let columns = ["turns", "value_snapshots", "trait_snapshots", "safety", "events", "messages", "snapshots", "audit"]
        var tables = [String: String]()
        for column in columns {
            tables[column] = try row.decode(PostgresJSON?.self, column)?.text
        }
        // An empty table aggregates to null, which leaves its key out.
        #expect(tables.count == columns.count, "every table has rows")
        return tables
    }

    @Test func theMigrationMovesRowsOfThePreviousShapeForward() async throws {
        try await TestDatabase.withFreshDatabase(prefix: "sigmaris_0011") { client in
            let migrations = try Migration.load(from: TestDatabase.migrationsDirectory)
            let runner = MigrationRunner(client: client, logger: TestDatabase.logger)
            // The schema of version 10, plus what the turn's statement below (today's) names: the
            // webhook outbox's enqueue function (0013) and the episode's session column (0016).
            _ = try await runner.migrate(migrations.filter { $0.version <= 10 || [13, 16].contains($0.version) })

            // What the previous version wrote: every copy stored, chat rows in the same transaction.
            let user = SessionAndEraseRaceTests.user()
            let turns = try await Self.turns(of: user)
            for (index, (turn, chat)) in turns.enumerated() {
                try await client.withTransaction { connection in
                    try PersonaStateStore.commit(
                        turn, userID: user.personaUserID, previousTurnCount: index, controlVersion: 0, tracing: true, on: connection)
                    try UserRows.insert(chat, reply: turn.reply, meta: turn.meta, on: connection)
                }
            }
            // A `/persona/chat` user (no chat rows), and a turn text edited by hand: both keep their copies.
            let serviceUser = "service-\(UUID().uuidString.lowercased())"
            let serviceTurns = try await StoreEachFactOnceTests.turns(userID: serviceUser)
            for (index, turn) in serviceTurns.enumerated() {
                try await client.withTransaction {
                    try PersonaStateStore.commit(turn, userID: serviceUser, previousTurnCount: index, controlVersion: 0, tracing: true, on: $0)
                }
            }
            let edited = turns[1].turn
            try await client.query(
                "UPDATE public.sigmaris_turns SET content = content || ' (by hand)' WHERE trace_id = $1 AND role = 'user'",
                [.text(edited.traceID)])
            let before = try await Self.everyRow(client, audit: "sigmaris_turn_audit")

            let applied = try await runner.migrate(migrations)
            #expect(applied.contains("0011_turn_facts_in_chat_rows.sql"))
            // And once more by hand, as the SQL editor would: nothing moves twice.
            let file = try #require(migrations.first { $0.name == "0011_turn_facts_in_chat_rows.sql" })
            try await client.withConnection { try $0.execute(script: file.sql) }

            let after = try await Self.everyRow(client, audit: "sigmaris_turn_audit_v")
            for (table, rows) in before {
                #expect(after[table] == rows, "\(table) reads differently after the migration")
            }
            for (index, (turn, _)) in turns.enumerated() where index != 1 {
                try await StoreEachFactOnceTests.expectStoredOnce(turn, userID: user.personaUserID, tracing: true, client)
                try await Self.expectShared(true, turn, user: user, client)
            }
            let kept = try await client.query(
                """
                SELECT (SELECT count(*) FROM public.sigmaris_turns WHERE trace_id = $1 AND content IS NOT NULL)::int AS edited,
                       (SELECT count(*) FROM public.sigmaris_turns WHERE user_id = $2 AND content IS NOT NULL)::int AS service_texts,
                       (SELECT count(*) FROM public.sigmaris_turn_audit WHERE user_id = $2 AND record ? 'meta')::int AS service_audit
                """, [.text(edited.traceID), .text(serviceUser)])[0]
            #expect(try kept.decode(Int.self, "edited") == 1, "the edited text stays; the reply, equal to its message, goes")
            #expect(try kept.decode(Int.self, "service_texts") == 2 * serviceTurns.count)
            #expect(try kept.decode(Int.self, "service_audit") == serviceTurns.count)
        }
    }
}
