import Foundation
import SigmarisEngine
import SigmarisJSON
import SigmarisPostgres
import SigmarisTestSupport
import Testing
@testable import SigmarisStore

@Suite("Data-access layer against a real database", .enabled(if: TestDatabase.shouldRun))
struct StoreTests {
    static func claims(_ user: UUID) -> String {
        #"{"sub":"\#(user.uuidString.lowercased())","role":"authenticated","aud":"authenticated"}"#
    }

    static func snapshot(_ state: String) -> StateSnapshotFields {
        StateSnapshotFields(meta: [
            "trace_id": .string("trace-\(state)"),
            "global_state": ["state": .string(state), "meta": ["reflective_score": 0.25]],
            "safety": ["flag": .null, "risk_score": 0.1],
            "value": ["state": ["stability": 0.5]],
            "trait": ["state": ["calm": 0.5]],
        ])
    }

    @Test func userScopeHidesOtherUsersRowsEvenWithoutAFilter() async throws {
        try await TestDatabase.withMigratedClient { client in
            let alice = UUID(), bob = UUID()
            for user in [alice, bob] {
                try await client.withTransaction { connection in
                    try UserScope.enter(claimsJSON: Self.claims(user), on: connection)
                    try ChatStore.insertExchange(
                        userID: user, sessionID: "s", message: "hi from \(user)", reply: "hello",
                        snapshot: Self.snapshot("NORMAL"), on: connection)
                }
            }
            // No user_id filter at all: RLS alone must hide Bob's rows from Alice.
            let seen = try await client.withTransaction { connection in
                try UserScope.enter(claimsJSON: Self.claims(alice), on: connection)
                let messages = try connection.query("SELECT DISTINCT user_id FROM messages")
                let snapshots = try connection.query("SELECT DISTINCT user_id FROM sigmaris_state_snapshots")
                return (try messages.map { try $0.decode(UUID.self, "user_id") }, try snapshots.map { try $0.decode(UUID.self, "user_id") })
            }
            #expect(seen.0 == [alice])
            #expect(seen.1 == [alice])
        }
    }

    @Test func userScopeCannotWriteForAnotherUser() async throws {
        try await TestDatabase.withMigratedClient { client in
            let alice = UUID(), bob = UUID()
            await #expect(throws: PostgresError.self) {
                try await client.withTransaction { connection in
                    try UserScope.enter(claimsJSON: Self.claims(alice), on: connection)
                    try ChatStore.insertExchange(
                        userID: bob, sessionID: "s", message: "forged", reply: "x",
                        snapshot: Self.snapshot("NORMAL"), on: connection)
                }
            }
            let count = try await client.query("SELECT count(*)::int AS n FROM messages WHERE user_id = $1", [.uuid(bob)])
            #expect(try count[0].decode(Int.self, "n") == 0)
        }
    }

    @Test func leavingTheScopeRestoresTheServiceRole() async throws {
        try await TestDatabase.withMigratedClient { client in
            let roles = try await client.withTransaction { connection in
                try UserScope.enter(claimsJSON: Self.claims(UUID()), on: connection)
                let inside = try connection.query("SELECT current_user AS r")[0].decode(String.self, "r")
                try UserScope.leave(on: connection)
                let outside = try connection.query("SELECT current_user AS r")[0].decode(String.self, "r")
                return (inside, outside)
            }
            #expect(roles.0 == UserScope.role)
            #expect(roles.1 != UserScope.role)
            // Nothing leaks into the next transaction on the same connection.
            let after = try await client.query("SELECT current_user AS r, current_setting('request.jwt.claims', true) AS c")
            #expect(try after[0].decode(String.self, "r") != UserScope.role)
            #expect(try after[0].decode(String?.self, "c") ?? "" == "")
        }
    }

    @Test func pairsMessagesAndReadsSnapshotsOldestFirst() async throws {
        try await TestDatabase.withMigratedClient { client in
            let user = UUID()
            for state in ["NORMAL", "REFLECTIVE", "SAFETY_LOCK"] {
                try await client.withTransaction { connection in
                    try UserScope.enter(claimsJSON: Self.claims(user), on: connection)
                    try ChatStore.insertExchange(
                        userID: user, sessionID: "s1", message: "q-\(state)", reply: "a-\(state)",
                        snapshot: Self.snapshot(state), on: connection)
                }
            }
            let rows = SigmarisStore(database: client).rows(of: StoreUser(id: user, claimsJSON: Self.claims(user)))
            let pairs = try await rows.pairedMessages(sessionID: "s1").map { "\($0.user)|\($0.ai)" }
            #expect(pairs == ["q-NORMAL|a-NORMAL", "q-REFLECTIVE|a-REFLECTIVE", "q-SAFETY_LOCK|a-SAFETY_LOCK"])
            let latest = try #require(try await rows.latestSnapshot())
            #expect(latest.globalState == "SAFETY_LOCK")
            #expect(latest.reflectiveScore == 0.25)
            #expect(latest.safetyFlag == nil)
            #expect(latest.traitState?["calm"]?.doubleValue == 0.5)
            #expect(latest.traceID == "trace-SAFETY_LOCK")
            let encoded = try JSONValueEncoder().encode(latest)
            #expect(encoded.objectValue?.keys.first == "id")
            #expect(encoded["safety_flag"]?.isNull == true, "absent values are null, not left out")
            let series = try await rows.timeseries(limit: 2)
            #expect(series.map(\.globalState) == ["REFLECTIVE", "SAFETY_LOCK"])
        }
    }

    @Test func embeddingsRoundTripThroughBytea() {
        let vector: [Float] = [0, -1.5, 3.25e-7, .greatestFiniteMagnitude, -0.0]
        #expect(EmbeddingBytes.decode(EmbeddingBytes.encode(vector)) == vector)
        #expect(EmbeddingBytes.encode([1]) == [0x00, 0x00, 0x80, 0x3f])
        #expect(EmbeddingBytes.decode([1, 2, 3]) == nil)
    }

    @Test func turnsCommitOnlyFromTheStateTheyRead() async throws {
        try await TestDatabase.withMigratedClient { client in
            let engine = PersonaEngine(provider: LocalProvider(), anchors: SafetyAnchorCache())
            let userID = "store-\(UUID().uuidString.lowercased())"
            let first = try await engine.runTurn(
                TurnRequest(userID: userID, message: "Hello there"), state: .initial, recentEpisodes: [], context: .random())
            try await client.withTransaction { try PersonaStateStore.commit(first, userID: userID, previousTurnCount: 0, controlVersion: 0, tracing: true, on: $0) }

            // A second turn computed from the same (now stale) state must be refused, writing nothing.
            let stale = try await engine.runTurn(
                TurnRequest(userID: userID, message: "Hello again"), state: .initial, recentEpisodes: [], context: .random())
            await #expect(throws: StoreError.turnConflict(userID: userID)) {
                try await client.withTransaction { try PersonaStateStore.commit(stale, userID: userID, previousTurnCount: 0, controlVersion: 0, tracing: true, on: $0) }
            }

            let memory = try await client.withConnection { try PersonaStateStore.load(userID: userID, on: $0) }
            #expect(memory.state == first.newState)
            #expect(memory.recentEpisodes.count == 1)
            #expect(memory.recentEpisodes[0].episodeID == first.episode.episodeID)
            #expect(memory.recentEpisodes[0].embedding == first.episode.embedding)
            let counts = try await client.query(
                """
                SELECT (SELECT count(*) FROM sigmaris_turns WHERE user_id = $1)::int AS turns,
                       (SELECT count(*) FROM sigmaris_value_snapshots WHERE user_id = $1)::int AS values,
                       (SELECT count(*) FROM sigmaris_safety_assessments WHERE user_id = $1)::int AS safety,
                       (SELECT count(*) FROM sigmaris_trace_events_v WHERE trace_id = $2)::int AS events
                """, [.text(userID), .text(first.traceID)])
            #expect(try counts[0].decode(Int.self, "turns") == 2)
            #expect(try counts[0].decode(Int.self, "values") == 1)
            #expect(try counts[0].decode(Int.self, "safety") == 1)
            #expect(try counts[0].decode(Int.self, "events") == first.traceEvents.count)
        }
    }
}
