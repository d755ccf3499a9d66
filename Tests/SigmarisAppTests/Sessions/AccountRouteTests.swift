import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SigmarisApp
import SigmarisAuth
import SigmarisEngine
import SigmarisPostgres
import SigmarisTestSupport
import Testing

@Suite("/api/account", .enabled(if: TestDatabase.shouldRun))
struct AccountRouteTests {
    static let personaTables = [
        "sigmaris_persona_state", "sigmaris_episodes", "sigmaris_turns", "sigmaris_value_snapshots",
        "sigmaris_trait_snapshots", "sigmaris_safety_assessments", "sigmaris_trace_events",
    ]

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
            ])
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
            #expect(document["persona"]?["trace_events"]?.arrayValue?.count == counts["sigmaris_trace_events"])

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
            #expect(aliceBefore.values.allSatisfy { $0 > 0 }, "\(aliceBefore)")

            let answer = try await Sessions.call(client, .delete, "/api/account", user: alice, body: #"{"confirm":"DELETE"}"#)
            #expect(answer.status == .ok)
            #expect(answer.json["success"] == true)
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
