import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SigmarisAuth
import SigmarisEngine
import SigmarisJSON
import SigmarisPostgres
import SigmarisTestSupport
import Testing

@testable import SigmarisApp
@testable import SigmarisStore

@Suite("/api/account", .enabled(if: TestDatabase.shouldRun))
struct AccountRouteTests {
    static let personaTables = [
        "sigmaris_persona_state", "sigmaris_episodes", "sigmaris_turns", "sigmaris_value_snapshots",
        "sigmaris_trait_snapshots", "sigmaris_safety_assessments", "sigmaris_turn_audit", "sigmaris_trace_events",
    ] + policyTables
    /// A user's policy rows (sql/0014): none on the shared database, which holds no policy
    /// (`PolicyRouteTests` erases them on a database of its own).
    static let policyTables = ["sigmaris_policy_streaks", "sigmaris_review_flags", "sigmaris_policy_triggers"]

    @Test func infoIsTheVerifiedTokensUser() async throws {
        let user = UUID()
        try await SessionsRouteTests.app().test(.router) { client in
            let token = try API.signer.sign(.user(id: user, email: "ada@example.com"))
            try await client.execute(uri: "/api/account/info", method: .get, headers: API.bearer(token)) { response in
                #expect(response.status == .ok)
                let answer = try API.json(response)
                #expect(Set(answer.objectValue?.keys ?? []) == ["ok", "user"])
                #expect(answer["ok"] == true)
                #expect(answer["user"]?["id"]?.stringValue == user.uuidString.lowercased())
                #expect(answer["user"]?["email"]?.stringValue == "ada@example.com")
            }
            let noEmail = try await Sessions.call(client, .get, "/api/account/info", user: user)
            #expect(noEmail.json["user"]?["email"] == .null, "email is present and null: \(noEmail.text)")
            #expect(noEmail.text.contains(#""email":null"#))
            try await client.execute(uri: "/api/account/info", method: .get) { response in
                #expect(response.status == .unauthorized)
            }
        }
    }

    @Test func exportHoldsEveryRowOfTheUserAndNoneOfAnother() async throws {
        let alice = UUID(), bob = UUID()
        try await SessionsRouteTests.app().test(.router) { client in
            _ = try await Sessions.turn(client, user: alice, session: "a1", text: "alice one")
            _ = try await Sessions.turn(client, user: alice, session: "a2", text: "alice two")
            _ = try await Sessions.turn(client, user: bob, session: "b1", text: "bob's secret")

            let answer = try await Sessions.call(client, .get, "/api/account/export", user: alice)
            #expect(answer.status == .ok)
            #expect(answer.headers[.contentDisposition]?.hasPrefix("attachment") == true)
            #expect(answer.headers[.contentType]?.hasPrefix("application/json") == true)
            let document = answer.json
            #expect(document.objectValue?.keys == ["user_id", "exported_at", "messages", "snapshots", "persona"])
            #expect(document["persona"]?.objectValue?.keys == [
                "state", "episodes", "turns", "value_snapshots", "trait_snapshots", "safety_assessments", "trace_events",
                "audit_without_turns",
            ])
            // Every audit row of hers still has its turn rows, so it is exported through them alone.
            #expect(document["persona"]?["audit_without_turns"]?.arrayValue?.isEmpty == true)
            #expect(document["user_id"]?.stringValue == alice.uuidString.lowercased())
            #expect(document["persona"]?["state"]?["turn_count"]?.doubleValue == 2)
            #expect(document["persona"]?["episodes"]?.arrayValue?.first?["embedding"] == nil)
            #expect(!answer.text.contains("bob"))
            #expect(!answer.text.contains(bob.uuidString.lowercased()))

            let counts = try await Sessions.rowsPerTable(alice)
            #expect(document["messages"]?.arrayValue?.count == counts["messages"])
            #expect(document["snapshots"]?.arrayValue?.count == counts["sigmaris_state_snapshots"])
            #expect(document["persona"]?["episodes"]?.arrayValue?.count == counts["sigmaris_episodes"])
            #expect(document["persona"]?["turns"]?.arrayValue?.count == counts["sigmaris_turns"])
            #expect(document["persona"]?["safety_assessments"]?.arrayValue?.count == counts["sigmaris_safety_assessments"])
            let events = try await Self.traceEventCount(Self.traceIDs(of: alice))
            #expect(events > 0 && document["persona"]?["trace_events"]?.arrayValue?.count == events)

            // Before the first turn: empty arrays and a null state.
            let fresh = try await Sessions.call(client, .get, "/api/account/export", user: UUID())
            #expect(fresh.json["persona"]?["state"] == .null)
            #expect(fresh.json["messages"]?.arrayValue?.isEmpty == true)
        }
    }

    /// More rows than a page in every table (and rows sharing a timestamp across a page boundary):
    /// each row comes out exactly once.
    @Test func exportPagesThroughLongHistories() async throws {
        let user = UUID()
        let id = user.uuidString.lowercased()
        try await TestDatabase.withMigratedClient(poolSize: 1) { client in
            try await client.query(
                """
                INSERT INTO messages (user_id, session_id, role, content, created_at)
                SELECT $1, 'session-' || (g % 3), CASE WHEN g % 2 = 0 THEN 'user' ELSE 'ai' END, 'message ' || g,
                       '2026-01-01'::timestamptz + (g / 4) * interval '1 second'
                FROM generate_series(1, 1234) g
                """, [.uuid(user)])
            try await client.query(
                """
                INSERT INTO sigmaris_turns (trace_id, user_id, role, content, created_at)
                SELECT $1 || '-trace-' || lpad((g / 2)::text, 5, '0'), $1, 'user', 'turn ' || g,
                       '2026-01-01'::timestamptz + (g / 7) * interval '1 second'
                FROM generate_series(1, 1100) g
                """, [.text(id)])
            try await client.query(
                """
                INSERT INTO sigmaris_trace_events (trace_id, event, fields)
                SELECT DISTINCT t.trace_id, 'event-' || e, '{}'::jsonb
                FROM sigmaris_turns t, generate_series(1, 3) e WHERE t.user_id = $1 AND t.trace_id <> $1 || '-trace-00007'
                """, [.text(id)])
            try await client.query(
                """
                INSERT INTO sigmaris_episodes (episode_id, user_id, "timestamp", summary)
                SELECT $1 || '-' || g, $1, '2026-01-01'::timestamptz + (g / 5) * interval '1 second', 'episode ' || g
                FROM generate_series(1, 700) g
                """, [.text(id)])
        }
        try await SessionsRouteTests.app().test(.router) { client in
            let document = try await Sessions.call(client, .get, "/api/account/export", user: user).json
            let messages = document["messages"]?.arrayValue ?? []
            #expect(messages.count == 1234)
            #expect(Set(messages.compactMap { $0["id"]?.doubleValue }).count == 1234)
            let turns = document["persona"]?["turns"]?.arrayValue ?? []
            #expect(turns.count == 1100)
            #expect(Set(turns.compactMap { $0["id"]?.doubleValue }).count == 1100)
            let episodes = document["persona"]?["episodes"]?.arrayValue ?? []
            #expect(Set(episodes.compactMap { $0["episode_id"]?.stringValue }).count == 700)
            let events = document["persona"]?["trace_events"]?.arrayValue ?? []
            // 551 traces, one of them without events.
            #expect(events.count == 550 * 3)
            // An event is its trace and its place in it (`seq`, sql/0007's sigmaris_trace_events_v).
            #expect(Set(events.compactMap { event in event["seq"]?.doubleValue.map { "\(event["trace_id"]?.stringValue ?? "") \($0)" } }).count == 550 * 3)
        }
    }

    @Test(arguments: ["", "{}", #"{"confirm":"delete"}"#, #"{"confirm":true}"#, "nope"])
    func eraseWithoutTheConfirmationIs400AndDeletesNothing(body: String) async throws {
        let user = UUID()
        try await SessionsRouteTests.app().test(.router) { client in
            _ = try await Sessions.turn(client, user: user, session: "s", text: "hello")
            let before = try await Sessions.rowsPerTable(user)
            let answer = try await Sessions.call(client, .delete, "/api/account", user: user, body: body)
            #expect(answer.status == .badRequest)
            #expect(try await Sessions.rowsPerTable(user) == before)
        }
    }

    @Test func eraseRemovesEveryRowOfTheUserAndNoneOfAnother() async throws {
        let alice = UUID(), bob = UUID()
        try await SessionsRouteTests.app().test(.router) { client in
            for text in ["one", "two"] { _ = try await Sessions.turn(client, user: alice, session: "a", text: text) }
            _ = try await Sessions.turn(client, user: bob, session: "b", text: "bob")
            let aliceBefore = try await Sessions.rowsPerTable(alice)
            let aliceTraces = try await Self.traceIDs(of: alice)
            #expect(aliceTraces.count == 2)
            let bobBefore = try await Sessions.rowsPerTable(bob)
            // Every table but the retired `sigmaris_trace_events`, which no turn writes since sql/0007,
            // and the policy tables.
            #expect(aliceBefore["sigmaris_trace_events"] == 0)
            let empty = Set(["sigmaris_trace_events"] + Self.policyTables)
            #expect(aliceBefore.filter { !empty.contains($0.key) }.values.allSatisfy { $0 > 0 }, "\(aliceBefore)")

            let answer = try await Sessions.call(client, .delete, "/api/account", user: alice, body: #"{"confirm":"DELETE"}"#)
            #expect(answer.status == .ok)
            #expect(answer.json["success"] == true)
            // The persona core is this process: nothing to say about a remote one.
            #expect(answer.json.objectValue?.keys == ["success", "deleted"])
            #expect(Set(answer.json["deleted"]?.objectValue?.keys ?? []) == Set(["messages", "sigmaris_state_snapshots"] + Self.personaTables))
            for (table, count) in aliceBefore {
                #expect(answer.json["deleted"]?[table]?.doubleValue == Double(count), "\(table)")
            }
            #expect(try await Sessions.rowsPerTable(alice).values.allSatisfy { $0 == 0 })
            #expect(try await Sessions.rowsPerTable(bob) == bobBefore)
            #expect(try await Self.traceEventCount(aliceTraces) == 0)

            // The next turn starts from a fresh persona.
            let next = try await Sessions.turn(client, user: alice, session: "a", text: "hello again")
            #expect(next["success"] == true)
            let export = try await Sessions.call(client, .get, "/api/account/export", user: alice).json
            #expect(export["persona"]?["state"]?["turn_count"]?.doubleValue == 1)
            #expect(export["messages"]?.arrayValue?.count == 2)
        }
    }

    /// An audit row whose turn rows are gone is still the user's: found by its own `user_id`, it is
    /// exported (its events in `trace_events`, its metas in `audit_without_turns`) and erased; another
    /// user's such row is neither.
    @Test func anAuditRowWithoutItsTurnRowsIsExportedAndErased() async throws {
        let alice = UUID(), bob = UUID()
        let orphan = "orphan-\(UUID().uuidString)", bobsOrphan = "orphan-\(UUID().uuidString)"
        try await SessionsRouteTests.app().test(.router) { client in
            _ = try await Sessions.turn(client, user: alice, session: "a", text: "hello")
            try await Self.insertAuditRow(trace: orphan, of: alice, marker: "alice-orphan-marker")
            try await Self.insertAuditRow(trace: bobsOrphan, of: bob, marker: "bob-orphan-marker")
            let eventsWithTurns = try await Self.traceEventCount(Self.traceIDs(of: alice))
            // Her one turn's audit row and the orphan (it carries her user id).
            let auditRows = try await Sessions.rowsPerTable(alice)["sigmaris_turn_audit"] ?? 0
            #expect(auditRows == 2)

            let export = try await Sessions.call(client, .get, "/api/account/export", user: alice)
            let persona = export.json["persona"]
            let rows = persona?["audit_without_turns"]?.arrayValue ?? []
            #expect(rows.count == 1)
            #expect(rows.first?["trace_id"]?.stringValue == orphan)
            #expect(rows.first?["meta"]?["marker"]?.stringValue == "alice-orphan-marker")
            #expect(rows.first?["safety_meta"]?["flag"]?.stringValue == "none")
            #expect(rows.first?["created_at"]?.stringValue != nil)
            let events = persona?["trace_events"]?.arrayValue ?? []
            #expect(events.filter { $0["trace_id"]?.stringValue == orphan }.map { $0["event"]?.stringValue } == ["start", "end"])
            #expect(events.count == eventsWithTurns + 2)
            #expect(!export.text.contains("bob-orphan-marker"))
            #expect(!export.text.contains(bobsOrphan))

            let erased = try await Sessions.call(client, .delete, "/api/account", user: alice, body: #"{"confirm":"DELETE"}"#)
            #expect(erased.status == .ok)
            // The orphan's audit row is counted where it was held; its events were inside it.
            #expect(erased.json["deleted"]?["sigmaris_turn_audit"]?.doubleValue == Double(auditRows))
            #expect(erased.json["deleted"]?["sigmaris_trace_events"]?.doubleValue == 0)
            #expect(try await Self.auditRowCount(of: alice) == 0)
            #expect(try await Self.auditRowCount(of: bob) == 1)
        }
    }

    /// An erase leaves nothing of the user in this process's memory: their recall window is dropped
    /// at once, and only theirs.
    @Test func eraseDropsTheUsersRecallWindowAndNoOneElses() async throws {
        let alice = UUID(), bob = UUID()
        let (services, app) = try ServicesApp.make(try TestConfiguration.database())
        let cache = try #require(services.store.recallWindows)
        try await app.test(.router) { client in
            _ = try await Sessions.turn(client, user: alice, session: "a", text: "hello")
            _ = try await Sessions.turn(client, user: bob, session: "b", text: "hello")
            #expect(cache.statistics.users == 2)

            let answer = try await Sessions.call(client, .delete, "/api/account", user: alice, body: #"{"confirm":"DELETE"}"#)
            #expect(answer.status == .ok)
            #expect(cache.statistics.users == 1)
            // The entry left is Bob's: his next turn is served from it.
            let hits = cache.statistics.hits
            _ = try await Sessions.turn(client, user: bob, session: "b", text: "again")
            #expect(cache.statistics.hits == hits + 1)
        }
    }

    /// Remote-core mode: the erase reaches only this service's database, and its answer says so
    /// (the core API has no erase route to forward it to).
    @Test func inRemoteCoreModeTheEraseSaysTheCoreWasNotErased() async throws {
        let user = UUID()
        let check = DocumentConformance(document: try OpenAPIDocument.load())
        try await API.withCoreAndProxy { client in
            try await client.execute(uri: "/api/aei", method: .post, headers: API.bearer(API.userToken(user)), body: API.body(#"{"text":"hi"}"#)) { response in
                #expect(response.status == .ok)
            }
            let response = try await check.send(client, .init(
                .delete, "/api/account", headers: API.bearer(API.userToken(user)), body: #"{"confirm":"DELETE"}"#, expect: .ok))
            let answer = try API.json(response)
            #expect(answer["success"] == true)
            #expect(answer["remoteCore"]?.stringValue == "not_erased")
            #expect(answer["remoteCoreNote"]?.stringValue?.contains("not erased") == true)
        }
    }

    static func insertAuditRow(trace: String, of user: UUID, marker: String) async throws {
        try await TestDatabase.withMigratedClient(poolSize: 1) { client in
            let record: JSONValue = [
                "meta": ["marker": .string(marker)],
                "safety_meta": ["flag": "none"],
                "events": [["event": "start", "fields": [:]], ["event": "end", "fields": [:]]],
            ]
            try await client.query(
                "INSERT INTO sigmaris_turn_audit (trace_id, user_id, record) VALUES ($1, $2, $3)",
                [.text(trace), .text(user.uuidString.lowercased()), .jsonb(record.serialized())])
        }
    }

    static func auditRowCount(of user: UUID) async throws -> Int {
        try await TestDatabase.withMigratedClient(poolSize: 1) { client in
            try await client.query(
                "SELECT count(*)::int AS n FROM sigmaris_turn_audit WHERE user_id = $1", [.text(user.uuidString.lowercased())]
            )[0].decode(Int.self, "n")
        }
    }

    static func traceIDs(of user: UUID) async throws -> [String] {
        try await TestDatabase.withMigratedClient(poolSize: 1) { client in
            try await client.query(
                "SELECT DISTINCT trace_id FROM sigmaris_turns WHERE user_id = $1", [.text(user.uuidString.lowercased())]
            ).map { try $0.decode(String.self, "trace_id") }
        }
    }

    static func traceEventCount(_ traces: [String]) async throws -> Int {
        try await TestDatabase.withMigratedClient(poolSize: 1) { client in
            let list = (JSONValue.array(traces.map { .string($0) })).serialized()
            return try await client.query(
                "SELECT count(*)::int AS n FROM sigmaris_trace_events_v WHERE trace_id IN (SELECT jsonb_array_elements_text($1))",
                [.jsonb(list)])[0].decode(Int.self, "n")
        }
    }
}
