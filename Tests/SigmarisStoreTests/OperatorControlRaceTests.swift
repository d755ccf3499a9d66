import Foundation
import SigmarisEngine
import SigmarisPostgres
import SigmarisTestSupport
import Testing
@testable import SigmarisStore

/// An operator action and a turn of the same user: the turn sees the action entirely (it commits
/// after, recomputed from the state after the action) or not at all (it commits first).
@Suite("Operator actions against concurrent turns", .enabled(if: TestDatabase.shouldRun))
struct OperatorControlRaceTests {
    static let engine = PersonaEngine(provider: LocalProvider(), anchors: SafetyAnchorCache())

    static func turn(_ userID: String, _ message: String, from memory: PersonaMemory) async throws -> TurnResult {
        try await engine.runTurn(
            memory.applyingHold(to: TurnRequest(userID: userID, message: message, rewardSignal: 1)),
            state: memory.state, recentEpisodes: memory.recentEpisodes, context: .random())
    }

    static func commit(_ turn: TurnResult, _ userID: String, from memory: PersonaMemory, _ store: SigmarisStore) async throws {
        try await store.commitTurn(
            turn, userID: userID, previousTurnCount: memory.state.turnCount, controlVersion: memory.controlVersion,
            tracing: false, chat: nil)
    }

    @Test(arguments: OperatorAction.allCases)
    func aTurnComputedBeforeAnActionConflictsAndItsRecomputationSeesTheAction(_ action: OperatorAction) async throws {
        try await TestDatabase.withMigratedClient { client in
            let store = SigmarisStore(database: client)
            let userID = "op_race_\(UUID().uuidString.prefix(12))"
            let start = try await store.loadMemory(userID: userID)
            try await Self.commit(try await Self.turn(userID, "Hello there", from: start), userID, from: start, store)

            let read = try await store.loadMemory(userID: userID)
            let inFlight = try await Self.turn(userID, "Hello again", from: read)
            #expect(try await store.applyOperatorAction(action, userID: userID, operatorName: "service", reason: "race") != nil)
            await #expect(throws: StoreError.turnConflict(userID: userID)) {
                try await Self.commit(inFlight, userID, from: read, store)
            }
            // Nothing of the conflicting turn was written.
            let turns = try await client.query("SELECT count(*)::int AS n FROM sigmaris_turns WHERE user_id = $1", [.text(userID)])
            #expect(try turns[0].decode(Int.self, "n") == 2)

            let reread = try await store.loadMemory(userID: userID)
            #expect(reread.silenced == (action == .silence))
            if action == .reset {
                #expect(reread.state.value == PersonaState.initial.value && reread.state.trait == PersonaState.initial.trait)
            }
            let recomputed = try await Self.turn(userID, "Hello again", from: reread)
            try await Self.commit(recomputed, userID, from: reread, store)
            #expect((recomputed.newState.globalState == .silent) == (action == .silence))
        }
    }

    @Test func actionsAndTurnsRunningTogetherNeverLoseEitherAndEachTurnMatchesTheHoldItCommittedUnder() async throws {
        try await TestDatabase.withMigratedClient(poolSize: 6) { client in
            let store = SigmarisStore(database: client)
            let userID = "op_race_\(UUID().uuidString.prefix(12))"
            let start = try await store.loadMemory(userID: userID)
            try await Self.commit(try await Self.turn(userID, "Hello there", from: start), userID, from: start, store)

            // Turns retry on conflict like TurnRunner; actions alternate silence and resume.
            async let turns: Void = {
                for index in 0..<15 {
                    while true {
                        let memory = try await store.loadMemory(userID: userID)
                        let result = try await Self.turn(userID, "message \(index)", from: memory)
                        do {
                            try await Self.commit(result, userID, from: memory, store)
                            break
                        } catch StoreError.turnConflict {}
                    }
                }
            }()
            async let actions: Void = {
                for index in 0..<15 {
                    _ = try await store.applyOperatorAction(
                        index.isMultiple(of: 2) ? .silence : .resume, userID: userID, operatorName: "service", reason: "flip \(index)")
                }
            }()
            try await turns
            try await actions

            #expect(try await store.loadMemory(userID: userID).state.turnCount == 16)
            let audit = try await client.query(
                "SELECT count(*)::int AS n FROM sigmaris_operator_actions WHERE user_id = $1", [.text(userID)])
            #expect(try audit[0].decode(Int.self, "n") == 15)
            // The last action was a silence: the state row says so, and the next turn obeys it.
            let memory = try await store.loadMemory(userID: userID)
            #expect(memory.silenced && memory.controlVersion == 15)
            let next = try await Self.turn(userID, "after the flips", from: memory)
            try await Self.commit(next, userID, from: memory, store)
            #expect(next.newState.globalState == .silent)
        }
    }
}
