import Foundation
import SigmarisEngine
import SigmarisPostgres
import SigmarisTestSupport
import Testing
@testable import SigmarisStore

/// What must hold whichever order concurrent writers land in: a rename and a turn in one session,
/// an erase and a turn already under way.
@Suite("Renames and erases against concurrent turns", .enabled(if: TestDatabase.shouldRun))
struct SessionAndEraseRaceTests {
    static func user() -> StoreUser {
        let id = UUID()
        return StoreUser(id: id, claimsJSON: #"{"sub":"\#(id.uuidString.lowercased())","role":"authenticated"}"#)
    }

    @Test func aRenameRacingATurnLeavesEveryRowWithTheNewTitle() async throws {
        try await TestDatabase.withMigratedClient { client in
            let user = Self.user()
            let rows = SigmarisStore(database: client).rows(of: user)
            let chat = ChatRecord(user: user, sessionID: "s", message: "hello")
            try await rows.insert(chat, reply: "hi", meta: ["trace_id": "t"])
            for round in 0..<12 {
                async let renamed = rows.renameSession("s", to: "title \(round)")
                async let inserted: Void = rows.insert(chat, reply: "reply \(round)", meta: ["trace_id": "t"])
                #expect(try await renamed)
                try await inserted
                let titles = try await client.query(
                    "SELECT DISTINCT session_title FROM messages WHERE user_id = $1", [.uuid(user.id)]
                ).map { try $0.decode(String?.self, "session_title") }
                #expect(titles == ["title \(round)"], "round \(round)")
            }
        }
    }

    @Test func aTurnThatReadAStateErasedSinceConflictsInsteadOfRestoringIt() async throws {
        try await TestDatabase.withMigratedClient { client in
            let user = Self.user()
            let store = SigmarisStore(database: client)
            let engine = PersonaEngine(provider: LocalProvider(), anchors: SafetyAnchorCache())
            let first = try await engine.runTurn(
                TurnRequest(userID: user.personaUserID, message: "Hello there"), state: .initial, recentEpisodes: [], context: .random())
            try await store.commitTurn(first, userID: user.personaUserID, previousTurnCount: 0, controlVersion: 0, tracing: true, chat: nil)

            // Computed from the first turn's state, then the user erases everything before it commits.
            let inFlight = try await engine.runTurn(
                TurnRequest(userID: user.personaUserID, message: "Hello again"), state: first.newState,
                recentEpisodes: [first.episode], context: .random())
            let erased = try await store.rows(of: user).eraseEverything()
            #expect(erased.personaState == 1 && erased.turns == 2)
            await #expect(throws: StoreError.turnConflict(userID: user.personaUserID)) {
                try await store.commitTurn(inFlight, userID: user.personaUserID, previousTurnCount: 1, controlVersion: 0, tracing: true, chat: nil)
            }
            #expect(try await store.loadMemory(userID: user.personaUserID).state.turnCount == 0)

            // Recomputed from nothing, as the runner does after a conflict, it commits.
            let fresh = try await engine.runTurn(
                TurnRequest(userID: user.personaUserID, message: "Hello again"), state: .initial, recentEpisodes: [], context: .random())
            try await store.commitTurn(fresh, userID: user.personaUserID, previousTurnCount: 0, controlVersion: 0, tracing: true, chat: nil)
            #expect(try await store.loadMemory(userID: user.personaUserID).state.turnCount == 1)
        }
    }
}
