import Foundation
import SigmarisEngine
import SigmarisPostgres
import SigmarisTestSupport
import Synchronization
import Testing
@testable import SigmarisStore

/// Deletions of a user's rows against that user's turns, as several instances would run them (no
/// in-process lock): every turn is stored whole or not at all, and no deletion fails.
@Suite("Deletions serialize with turns", .enabled(if: TestDatabase.shouldRun))
struct TurnSerializationTests {
    static let engine = PersonaEngine(provider: LocalProvider(), anchors: SafetyAnchorCache())

    static func user() -> StoreUser {
        let id = UUID()
        return StoreUser(id: id, claimsJSON: #"{"sub":"\#(id.uuidString.lowercased())","role":"authenticated"}"#)
    }

    /// One `/api/aei` turn as `TurnRunner` runs it: read, compute, commit with the chat rows; a
    /// conflict recomputes from the new state. Any other error fails the test.
    static func turn(_ user: StoreUser, _ message: String, session: String, store: SigmarisStore) async throws {
        for _ in 0..<20 {
            let memory = try await store.loadMemory(userID: user.personaUserID)
            let result = try await engine.runTurn(
                memory.applyingHold(to: TurnRequest(userID: user.personaUserID, sessionID: session, message: message)),
                state: memory.state, recentEpisodes: memory.recentEpisodes, context: .random())
            do {
                try await store.commitTurn(
                    result, userID: user.personaUserID, previousTurnCount: memory.state.turnCount,
                    controlVersion: memory.controlVersion, tracing: true,
                    chat: ChatRecord(user: user, sessionID: session, message: message))
                return
            } catch StoreError.turnConflict {
                continue
            }
        }
        Issue.record("a turn conflicted 20 times in a row")
    }

    /// The invariant of whole turns: two messages and one snapshot per turn, and the state's
    /// turn_count (0 without a state row) equal to the snapshots.
    static func expectWholeTurns(_ user: StoreUser, _ client: PostgresClient, _ note: String) async throws {
        let row = try await client.query(
            """
            SELECT (SELECT count(*) FROM messages WHERE user_id = $1)::int AS messages,
                   (SELECT count(*) FROM sigmaris_state_snapshots WHERE user_id = $1)::int AS snapshots,
                   (SELECT count(*) FROM sigmaris_turns WHERE user_id = $2)::int AS turn_rows,
                   (SELECT count(*) FROM sigmaris_episodes WHERE user_id = $2)::int AS episodes,
                   coalesce((SELECT turn_count FROM sigmaris_persona_state WHERE user_id = $2), 0) AS turn_count
            """, [.uuid(user.id), .text(user.personaUserID)])[0]
        let messages = try row.decode(Int.self, "messages")
        let snapshots = try row.decode(Int.self, "snapshots")
        let turnCount = try row.decode(Int.self, "turn_count")
        #expect(messages == 2 * snapshots, "\(note): \(messages) messages, \(snapshots) snapshots")
        #expect(turnCount == snapshots, "\(note): turn_count \(turnCount), \(snapshots) snapshots")
        #expect(try row.decode(Int.self, "turn_rows") == 2 * snapshots, "\(note)")
        #expect(try row.decode(Int.self, "episodes") == snapshots, "\(note)")
    }

    @Test func roundsOfConcurrentTurnsAndAnEraseLeaveOnlyWholeTurns() async throws {
        try await TestDatabase.withMigratedClient(poolSize: 6) { client in
            let store = SigmarisStore(database: client)
            let user = Self.user()
            for round in 0..<8 {
                // Round 0 starts from no state row at all: first turns race the erase's placeholder.
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for index in 0..<3 {
                        group.addTask {
                            try await Self.turn(user, "round \(round) turn \(index)", session: "s\(index % 2)", store: store)
                        }
                    }
                    group.addTask {
                        _ = try await store.rows(of: user).eraseEverything()
                    }
                    try await group.waitForAll()
                }
                try await Self.expectWholeTurns(user, client, "round \(round)")
            }
        }
    }

    @Test func anEraseCountsNoPlaceholderAsTheUsersState() async throws {
        try await TestDatabase.withMigratedClient { client in
            let user = Self.user()
            let erased = try await SigmarisStore(database: client).rows(of: user).eraseEverything()
            #expect(erased == ErasedRows())
            let left = try await client.query(
                "SELECT count(*)::int AS n FROM sigmaris_persona_state WHERE user_id = $1", [.text(user.personaUserID)])
            #expect(try left[0].decode(Int.self, "n") == 0)
        }
    }

    @Test func sessionDeletesRacingTurnsNeverSplitAnExchange() async throws {
        try await TestDatabase.withMigratedClient(poolSize: 6) { client in
            let store = SigmarisStore(database: client)
            let user = Self.user()
            try await Self.turn(user, "hello", session: "s", store: store)
            for round in 0..<8 {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for index in 0..<2 {
                        group.addTask { try await Self.turn(user, "round \(round) turn \(index)", session: "s", store: store) }
                    }
                    group.addTask { _ = try await store.rows(of: user).deleteSession("s") }
                    try await group.waitForAll()
                }
                let row = try await client.query(
                    """
                    SELECT (SELECT count(*) FROM messages WHERE user_id = $1)::int AS messages,
                           (SELECT count(*) FROM sigmaris_state_snapshots WHERE user_id = $1)::int AS snapshots
                    """, [.uuid(user.id)])[0]
                #expect(try row.decode(Int.self, "messages") == 2 * row.decode(Int.self, "snapshots"), "round \(round)")
            }
        }
    }

    /// The fixed lock order, seen from the side: while another transaction holds the user's state
    /// row, an erase waits for it (it does not delete the chat rows first and then wait).
    @Test func anEraseWaitsForTheStateRowBeforeDeletingAnything() async throws {
        try await TestDatabase.withMigratedClient(poolSize: 4) { client in
            let store = SigmarisStore(database: client)
            let user = Self.user()
            try await Self.turn(user, "hello", session: "s", store: store)
            let holding = BlockingFlag()
            let release = BlockingFlag()
            async let holder: Void = client.withTransaction { connection in
                try connection.query(TurnSerialization.lockSQL, [.text(user.personaUserID)])
                holding.set()
                release.waitBlocking(upTo: .seconds(30))
            }
            while !holding.isSet { try await Task.sleep(for: .milliseconds(10)) }
            async let erase = store.rows(of: user).eraseEverything()
            // While the state row is held the erase has deleted nothing: an uncommitted DELETE would
            // hold the messages' row locks, which SKIP LOCKED passes over.
            try await Task.sleep(for: .milliseconds(300))
            let unlocked = try await client.query(
                "SELECT count(*)::int AS n FROM (SELECT 1 FROM messages WHERE user_id = $1 FOR UPDATE SKIP LOCKED) m",
                [.uuid(user.id)])
            #expect(try unlocked[0].decode(Int.self, "n") == 2)
            release.set()
            try await holder
            #expect(try await erase.messages == 2)
        }
    }
}
