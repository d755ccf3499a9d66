import Foundation
import SigmarisEngine
import SigmarisPostgres
import SigmarisTestSupport
import Testing
@testable import SigmarisStore

/// Two instances of the service on one database, each with its own pool: `cached` keeps recall
/// windows, `other` writes turns, erases and operator actions for the same user behind its back.
/// Every window `cached` uses must equal what an uncached read returns at that moment.
@Suite("Recall window cache against a second instance", .enabled(if: TestDatabase.shouldRun))
struct RecallWindowCacheDatabaseTests {
    static let engine = PersonaEngine(provider: LocalProvider(), anchors: SafetyAnchorCache())

    struct Instance {
        let store: SigmarisStore
        let cache: RecallWindowCache?
    }

    static func user() -> StoreUser {
        let id = UUID()
        return StoreUser(id: id, claimsJSON: #"{"sub":"\#(id.uuidString.lowercased())","role":"authenticated"}"#)
    }

    /// Two independent clients (an instance each), migrated, shut down afterwards.
    static func withTwoInstances(_ body: (Instance, Instance) async throws -> Void) async throws {
        try await TestDatabase.withMigratedClient(poolSize: 3) { first in
            try await TestDatabase.withMigratedClient(poolSize: 3) { second in
                try await body(
                    Instance(store: SigmarisStore(database: first), cache: RecallWindowCache(budgetBytes: 50_000_000)),
                    Instance(store: SigmarisStore(database: second), cache: nil))
            }
        }
    }

    /// The reference: state and episodes read without the cache, in one snapshot (the service reads
    /// them in two, so a turn committed in between could show in the episodes only).
    static func uncachedRead(_ userID: String, _ instance: Instance) async throws -> PersonaMemory {
        try await instance.store.database.withTransaction { connection in
            try connection.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            return try PersonaStateStore.load(userID: userID, on: connection)
        }
    }

    /// Equal windows; on failure only the ids are printed (an episode prints its whole embedding).
    static func expectSame(_ window: [Episode], _ reference: [Episode], _ comment: String) {
        let same = window == reference
        #expect(same, "\(comment): \(window.map(\.episodeID)) against \(reference.map(\.episodeID))")
    }

    /// What the turn runner does: load (through the cache), compute, commit, record; retried on conflict.
    /// With `check`, the loaded memory is compared to an uncached read made right after it.
    @discardableResult
    static func turn(
        _ userID: String, _ message: String, on instance: Instance, check: Bool = true
    ) async throws -> (memory: PersonaMemory, compared: Bool) {
        while true {
            let memory = try await instance.store.loadMemory(userID: userID, recallWindows: instance.cache)
            var compared = false
            if check {
                let uncached = try await uncachedRead(userID, instance)
                // Another instance may commit between the two reads; with the same state both must agree.
                if uncached.state.turnCount == memory.state.turnCount, uncached.controlVersion == memory.controlVersion {
                    expectSame(memory.recentEpisodes, uncached.recentEpisodes, "a stale window at turn \(memory.state.turnCount)")
                    compared = true
                }
            }
            let result = try await engine.runTurn(
                memory.applyingHold(to: TurnRequest(userID: userID, message: message, rewardSignal: 1)),
                state: memory.state, recentEpisodes: memory.recentEpisodes, context: .random())
            do {
                try await instance.store.commitTurn(
                    result, userID: userID, previousTurnCount: memory.state.turnCount, controlVersion: memory.controlVersion,
                    tracing: false, chat: nil)
                instance.cache?.recordCommit(of: result, from: memory, userID: userID)
                return (memory, compared)
            } catch StoreError.turnConflict {}
        }
    }

    static func expectFresh(_ userID: String, _ instance: Instance) async throws {
        let cached = try await instance.store.loadMemory(userID: userID, recallWindows: instance.cache)
        let uncached = try await uncachedRead(userID, instance)
        expectSame(cached.recentEpisodes, uncached.recentEpisodes, "at turn \(cached.state.turnCount)")
        #expect(cached.state.turnCount == uncached.state.turnCount)
    }

    @Test func turnsInterleavedWithAnotherInstanceNeverRecallAStaleWindow() async throws {
        try await Self.withTwoInstances { cached, other in
            let userID = "recall_cache_\(UUID().uuidString.prefix(12))"
            var random = SplitMix64(seed: 2026)
            for step in 0..<40 {
                let writer = random.next() % 3 == 0 ? other : cached
                try await Self.turn(userID, "step \(step) about the garden", on: writer)
            }
            try await Self.expectFresh(userID, cached)
            let statistics = try #require(cached.cache).statistics
            #expect(statistics.hits >= 10, "\(statistics)")
            #expect(statistics.misses >= 5, "\(statistics)")
        }
    }

    @Test func turnsRacingAnotherInstanceNeverRecallAStaleWindow() async throws {
        try await Self.withTwoInstances { cached, other in
            let userID = "recall_race_\(UUID().uuidString.prefix(12))"
            async let background: Void = {
                for step in 0..<25 { try await Self.turn(userID, "other \(step)", on: other, check: false) }
            }()
            var compared = 0
            for step in 0..<25 {
                if try await Self.turn(userID, "cached \(step)", on: cached).compared { compared += 1 }
            }
            try await background
            try await Self.expectFresh(userID, cached)
            #expect(compared > 0)
        }
    }

    /// An erase on the other instance, then as many turns there as this one had cached: the turn
    /// count is back where it was, the episodes are new, and the old ones must not come back.
    @Test func anEraseElsewhereAndAHistoryRebuiltToTheSameCountIsNotServedFromMemory() async throws {
        try await Self.withTwoInstances { cached, other in
            let user = Self.user()
            let userID = user.personaUserID
            for step in 0..<3 { try await Self.turn(userID, "before \(step)", on: cached) }
            let before = try await cached.store.loadMemory(userID: userID, recallWindows: cached.cache)
            #expect(before.state.turnCount == 3)

            _ = try await other.store.rows(of: user).eraseEverything()
            try await Self.expectFresh(userID, cached)
            for step in 0..<3 { try await Self.turn(userID, "after \(step)", on: other) }
            let after = try await cached.store.loadMemory(userID: userID, recallWindows: cached.cache)
            #expect(after.state.turnCount == 3)
            #expect(Set(after.recentEpisodes.map(\.episodeID)).isDisjoint(with: before.recentEpisodes.map(\.episodeID)))
            try await Self.expectFresh(userID, cached)
        }
    }

    /// A turn in flight while the other instance erases and rebuilds one turn: its commit passes the
    /// turn-count check, and the window it would keep holds an erased episode; the stamp refuses it.
    /// This instance's clock is ahead of the other's, so its episode still lands on top.
    @Test func aCommitOntoAHistoryRebuiltSinceItsReadIsNotServedFromMemory() async throws {
        try await Self.withTwoInstances { cached, other in
            let user = Self.user()
            let userID = user.personaUserID
            try await Self.turn(userID, "first", on: cached)
            let memory = try await cached.store.loadMemory(userID: userID, recallWindows: cached.cache)
            let inFlight = try await Self.engine.runTurn(
                TurnRequest(userID: userID, message: "in flight"), state: memory.state, recentEpisodes: memory.recentEpisodes,
                context: .random(now: Date().addingTimeInterval(60)))

            _ = try await other.store.rows(of: user).eraseEverything()
            try await Self.turn(userID, "rebuilt", on: other)
            try await cached.store.commitTurn(
                inFlight, userID: userID, previousTurnCount: memory.state.turnCount, controlVersion: memory.controlVersion,
                tracing: false, chat: nil)
            cached.cache?.recordCommit(of: inFlight, from: memory, userID: userID)
            try await Self.expectFresh(userID, cached)
        }
    }

    @Test(arguments: OperatorAction.allCases)
    func anOperatorActionElsewhereIsSeen(_ action: OperatorAction) async throws {
        try await Self.withTwoInstances { cached, other in
            let userID = "recall_op_\(UUID().uuidString.prefix(12))"
            for step in 0..<3 { try await Self.turn(userID, "before \(step)", on: cached) }
            let misses = try #require(cached.cache).statistics.misses
            #expect(try await other.store.applyOperatorAction(action, userID: userID, operatorName: "service", reason: "test") != nil)
            let memory = try await cached.store.loadMemory(userID: userID, recallWindows: cached.cache)
            #expect(try #require(cached.cache).statistics.misses == misses + 1)
            #expect(memory.silenced == (action == .silence))
            try await Self.expectFresh(userID, cached)
            try await Self.turn(userID, "after", on: cached)
            try await Self.expectFresh(userID, cached)
        }
    }
}
