import Foundation
import SigmarisEngine
import SigmarisJSON
import SigmarisPostgres
import SigmarisTestSupport
import Testing
@testable import SigmarisStore

/// `sql/0007_store_each_fact_once.sql`: a turn's meta, safety meta and trace events are stored once,
/// and the `_v` views give back every row exactly as the engine made it, both for turns written by
/// this version and for turns written by the previous one and then migrated.
@Suite("Each fact of a turn stored once", .enabled(if: TestDatabase.shouldRun))
struct StoreEachFactOnceTests {
    /// Longer than both previews (80 and 160 characters) and with characters of several bytes and
    /// scalars, so the views' `left(content, n)` must cut where the engine's prefix cuts.
    static let messages = [
        "Hello there, I want to talk about my week: 月曜日は忙しかった, and the family 👩‍👩‍👧 came over on Tuesday évening for dinner. "
            + "Then on Wednesday I walked by the river and thought about everything that happened.",
        "Do you remember what I said about the family dinner? I keep thinking about the river walk too.",
        // The first message again, so recall finds its episode and the pointers are not empty.
        "Hello there, I want to talk about my week: 月曜日は忙しかった, and the family 👩‍👩‍👧 came over on Tuesday évening for dinner. "
            + "Then on Wednesday I walked by the river and thought about everything that happened.",
    ]

    /// Three turns of one user, each from the state and episodes the previous one left; with
    /// `sessionID`, all in that session.
    static func turns(userID: String, sessionID: String? = nil) async throws -> [TurnResult] {
        let engine = PersonaEngine(provider: LocalProvider(), anchors: SafetyAnchorCache())
        var state = PersonaState.initial
        var episodes = [Episode]()
        var turns = [TurnResult]()
        for message in messages {
            let turn = try await engine.runTurn(
                TurnRequest(userID: userID, sessionID: sessionID, message: message), state: state, recentEpisodes: episodes,
                context: .random())
            state = turn.newState
            episodes.insert(turn.episode, at: 0)
            turns.append(turn)
        }
        return turns
    }

    /// Every fact of `turn` as the engine made it, in the shape the check below compares.
    static func expected(_ turn: TurnResult, tracing: Bool) -> JSONValue {
        [
            "user_content": .string(turn.turnRows[0].content), "user_meta": turn.turnRows[0].meta,
            "assistant_content": .string(turn.turnRows[1].content), "assistant_meta": turn.turnRows[1].meta,
            "value": ["state": turn.valueSnapshot.state, "delta": turn.valueSnapshot.delta, "meta": turn.valueSnapshot.meta],
            "trait": ["state": turn.traitSnapshot.state, "delta": turn.traitSnapshot.delta, "meta": turn.traitSnapshot.meta],
            "safety": [
                "flag": .string(orNull: turn.safety.flag?.rawValue), "risk_score": .number(turn.safety.riskScore),
                "categories": turn.safety.categoriesJSON, "reasons": .strings(turn.safety.reasons), "meta": turn.safety.meta,
            ],
            "events": .array(tracing ? turn.traceEvents.map { ["event": .string($0.name), "fields": $0.fields] } : []),
        ]
    }

    /// How many of the turn's rows the views give back exactly, and how many copies the tables hold.
    static let checkSQL = """
    SELECT
      (SELECT count(*) FROM public.sigmaris_turns_v WHERE user_id = $1 AND trace_id = $2 AND (
          (role = 'user' AND content = $3::jsonb->>'user_content' AND meta = $3::jsonb->'user_meta')
          OR (role = 'assistant' AND content = $3::jsonb->>'assistant_content' AND meta = $3::jsonb->'assistant_meta')))::int AS turns,
      (SELECT count(*) FROM public.sigmaris_value_snapshots_v WHERE user_id = $1 AND trace_id = $2
          AND jsonb_build_object('state', state, 'delta', delta, 'meta', meta) = $3::jsonb->'value')::int AS value_snapshots,
      (SELECT count(*) FROM public.sigmaris_trait_snapshots_v WHERE user_id = $1 AND trace_id = $2
          AND jsonb_build_object('state', state, 'delta', delta, 'meta', meta) = $3::jsonb->'trait')::int AS trait_snapshots,
      (SELECT count(*) FROM public.sigmaris_safety_assessments_v WHERE user_id = $1 AND trace_id = $2
          AND jsonb_build_object('flag', safety_flag, 'risk_score', risk_score, 'categories', categories,
                                 'reasons', reasons, 'meta', meta) = $3::jsonb->'safety')::int AS safety,
      (SELECT coalesce(jsonb_agg(jsonb_build_object('event', event, 'fields', fields) ORDER BY seq), '[]'::jsonb)
       FROM public.sigmaris_trace_events_v WHERE trace_id = $2) = $3::jsonb->'events' AS events,
      ((SELECT count(*) FROM public.sigmaris_turns WHERE trace_id = $2 AND meta IS NOT NULL)
       + (SELECT count(*) FROM public.sigmaris_value_snapshots WHERE trace_id = $2 AND meta IS NOT NULL)
       + (SELECT count(*) FROM public.sigmaris_trait_snapshots WHERE trace_id = $2 AND meta IS NOT NULL)
       + (SELECT count(*) FROM public.sigmaris_safety_assessments WHERE trace_id = $2 AND meta IS NOT NULL)
       + (SELECT count(*) FROM public.sigmaris_trace_events WHERE trace_id = $2))::int AS copies
    """

    static func expectStoredOnce(_ turn: TurnResult, userID: String, tracing: Bool, _ client: PostgresClient) async throws {
        let row = try await client.query(
            checkSQL, [.text(userID), .text(turn.traceID), .jsonb(expected(turn, tracing: tracing).serialized())])[0]
        #expect(try row.decode(Int.self, "turns") == 2, "turn rows of \(turn.traceID)")
        #expect(try row.decode(Int.self, "value_snapshots") == 1, "value snapshot of \(turn.traceID)")
        #expect(try row.decode(Int.self, "trait_snapshots") == 1, "trait snapshot of \(turn.traceID)")
        #expect(try row.decode(Int.self, "safety") == 1, "safety assessment of \(turn.traceID)")
        #expect(try row.decode(Bool.self, "events"), "trace events of \(turn.traceID)")
        #expect(try row.decode(Int.self, "copies") == 0, "copied metas or event rows left for \(turn.traceID)")
    }

    @Test func aTurnIsStoredOnceAndTheViewsGiveEveryFactBack() async throws {
        try await TestDatabase.withMigratedClient { client in
            let userID = "once-\(UUID().uuidString.lowercased())"
            let turns = try await Self.turns(userID: userID)
            #expect(turns.last?.turnRows[1].meta["memory_pointers"]?.arrayValue?.isEmpty == false,
                    "the last turn recalls, so the snapshots' pointer count is not trivially 0")
            for (index, turn) in turns.enumerated() {
                let tracing = index != 1
                try await client.withTransaction {
                    try PersonaStateStore.commit(turn, userID: userID, previousTurnCount: index, controlVersion: 0, tracing: tracing, on: $0)
                }
                try await Self.expectStoredOnce(turn, userID: userID, tracing: tracing, client)
            }
        }
    }

    /// What the previous version wrote for one turn, row for row: both turn rows with their meta,
    /// the snapshots and the safety assessment with theirs, one row per trace event.
    static let previousShapeSQL = """
    WITH turns AS (
        INSERT INTO public.sigmaris_turns (trace_id, user_id, session_id, role, content, importance, meta, global_state)
        SELECT $1, $2, $3, r->>'role', r->>'content', 0, r->'meta', r->'meta'->'global_state'->>'state'
        FROM jsonb_array_elements($4::jsonb->'rows') WITH ORDINALITY AS t(r, n) ORDER BY n
    ), value_snapshot AS (
        INSERT INTO public.sigmaris_value_snapshots (trace_id, user_id, state, delta, meta)
        SELECT $1, $2, $4::jsonb->'value'->'state', $4::jsonb->'value'->'delta', $4::jsonb->'value'->'meta'
    ), trait_snapshot AS (
        INSERT INTO public.sigmaris_trait_snapshots (trace_id, user_id, state, delta, meta)
        SELECT $1, $2, $4::jsonb->'trait'->'state', $4::jsonb->'trait'->'delta', $4::jsonb->'trait'->'meta'
    ), safety AS (
        INSERT INTO public.sigmaris_safety_assessments (trace_id, user_id, session_id, safety_flag, risk_score, categories, reasons, meta)
        SELECT $1, $2, $3, $4::jsonb->'safety'->>'flag', ($4::jsonb->'safety'->>'risk_score')::double precision,
               $4::jsonb->'safety'->'categories', $4::jsonb->'safety'->'reasons', $4::jsonb->'safety'->'meta'
    )
    INSERT INTO public.sigmaris_trace_events (trace_id, event, fields)
    SELECT $1, e->>'event', e->'fields' FROM jsonb_array_elements($4::jsonb->'events') WITH ORDINALITY AS t(e, n) ORDER BY n
    """

    @Test func theMigrationMovesTurnsOfThePreviousVersionForward() async throws {
        try await TestDatabase.withFreshDatabase(prefix: "sigmaris_0007") { client in
            let migrations = try Migration.load(from: TestDatabase.migrationsDirectory)
            let runner = MigrationRunner(client: client, logger: TestDatabase.logger)
            _ = try await runner.migrate(migrations.filter { $0.version <= 6 })

            let userID = "before-\(UUID().uuidString.lowercased())"
            let turns = try await Self.turns(userID: userID)
            for turn in turns {
                var shape = try #require(Self.expected(turn, tracing: true).objectValue)
                shape["rows"] = .array(turn.turnRows.map { ["role": .string($0.role), "content": .string($0.content), "meta": $0.meta] })
                try await client.query(
                    Self.previousShapeSQL,
                    [.text(turn.traceID), .text(userID), .text(turn.sessionID), .jsonb(JSONValue.object(shape).serialized())])
            }
            // A meta the views could not rebuild (edited by hand, or from a future engine) must stay.
            let edited = turns[0]
            try await client.query(
                "UPDATE public.sigmaris_value_snapshots SET meta = meta || '{\"note\": \"by hand\"}' WHERE trace_id = $1", [.text(edited.traceID)])

            let applied = try await runner.migrate(migrations)
            #expect(applied.contains("0007_store_each_fact_once.sql"))
            // And once more by hand, as the SQL editor would: nothing moves twice.
            let file = try #require(migrations.first { $0.name == "0007_store_each_fact_once.sql" })
            try await client.withConnection { try $0.execute(script: file.sql) }

            for turn in turns.dropFirst() {
                try await Self.expectStoredOnce(turn, userID: userID, tracing: true, client)
            }
            var editedMeta = try #require(edited.valueSnapshot.meta.objectValue)
            editedMeta["note"] = "by hand"
            let kept = try await client.query(
                """
                SELECT (SELECT meta FROM public.sigmaris_value_snapshots_v WHERE trace_id = $1) = $2::jsonb AS view,
                       (SELECT meta IS NOT NULL FROM public.sigmaris_value_snapshots WHERE trace_id = $1) AS stored,
                       (SELECT count(*) FROM public.sigmaris_turn_audit)::int AS audit_rows
                """, [.text(edited.traceID), .jsonb(JSONValue.object(editedMeta).serialized())])[0]
            #expect(try kept.decode(Bool.self, "view"))
            #expect(try kept.decode(Bool.self, "stored"))
            #expect(try kept.decode(Int.self, "audit_rows") == turns.count)
        }
    }
}
