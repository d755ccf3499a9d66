import Foundation
import SigmarisEngine
import SigmarisPostgres
import SigmarisTestSupport
import Testing
@testable import SigmarisStore

/// The store owns its recall cache: its turns fill it, and each of its operations that removes or
/// changes a user's episodes or state drops the user's window once it committed, so the next turn
/// reads the database and nothing removed stays in this process's memory.
@Suite("The store's writes invalidate its recall cache", .enabled(if: TestDatabase.shouldRun))
struct RecallWindowInvalidationTests {
    static let engine = PersonaEngine(provider: LocalProvider(), anchors: SafetyAnchorCache())

    /// A store over `client` that keeps recall windows, and its cache.
    static func cachingStore(_ client: PostgresClient) -> (store: SigmarisStore, cache: RecallWindowCache) {
        let cache = RecallWindowCache(budgetBytes: 50_000_000)
        return (SigmarisStore(database: client, recallWindows: cache), cache)
    }

    /// One turn the way the turn runner takes it, through the store's own cache; with `session`, in
    /// that session, its chat rows stored there too (as `/api/aei` runs it).
    @discardableResult
    static func turn(_ store: SigmarisStore, _ user: StoreUser, _ message: String, session: String? = nil) async throws -> PersonaMemory {
        let memory = try await store.loadMemory(userID: user.personaUserID)
        let result = try await engine.runTurn(
            memory.applyingHold(to: TurnRequest(userID: user.personaUserID, sessionID: session, message: message)),
            state: memory.state, recentEpisodes: memory.recentEpisodes, context: .random())
        try await store.commitTurn(
            result, from: memory, userID: user.personaUserID, tracing: false,
            chat: session.map { ChatRecord(user: user, sessionID: $0, message: message) })
        return memory
    }

    /// `turns` turns of a new user; the store's cache then holds their window, served on the next turn.
    static func userWithAKeptWindow(_ store: SigmarisStore, _ cache: RecallWindowCache, turns: Int = 2, text: String) async throws -> StoreUser {
        let user = SessionAndEraseRaceTests.user()
        for step in 0..<turns { try await turn(store, user, "\(text) \(step)", session: "s") }
        #expect(cache.holdsWindow(for: user.personaUserID))
        return user
    }

    /// The next load of `user` is not served from memory: it reads what the database now holds (a
    /// miss, or for a user without a state row no lookup at all).
    static func expectNextLoadReadsTheDatabase(
        _ store: SigmarisStore, _ cache: RecallWindowCache, _ user: StoreUser, _ client: PostgresClient
    ) async throws -> PersonaMemory {
        let before = cache.statistics
        let memory = try await store.loadMemory(userID: user.personaUserID)
        let userID = user.personaUserID
        let uncached = try await client.withConnection { try PersonaStateStore.load(userID: userID, on: $0) }
        #expect(cache.statistics.hits == before.hits, "a window was served from memory")
        if uncached.state.turnCount > 0 {
            #expect(cache.statistics.misses == before.misses + 1)
        }
        #expect(memory.recentEpisodes == uncached.recentEpisodes)
        #expect(memory.state.turnCount == uncached.state.turnCount)
        return memory
    }

    @Test func turnsThroughTheStoreKeepAndServeTheWindow() async throws {
        try await TestDatabase.withMigratedClient { client in
            let (store, cache) = Self.cachingStore(client)
            let user = try await Self.userWithAKeptWindow(store, cache, text: "hello")
            let hits = cache.statistics.hits
            try await Self.turn(store, user, "again")
            #expect(cache.statistics.hits == hits + 1)
        }
    }

    @Test func anEraseDropsTheUsersWindowAndOnlyTheirs() async throws {
        try await TestDatabase.withMigratedClient { client in
            let (store, cache) = Self.cachingStore(client)
            let marker = "erase-marker-\(UUID().uuidString)"
            let erased = try await Self.userWithAKeptWindow(store, cache, text: marker)
            let kept = try await Self.userWithAKeptWindow(store, cache, text: "someone else")

            _ = try await store.rows(of: erased).eraseEverything()
            #expect(!cache.holdsWindow(for: erased.personaUserID), "no erased episode stays in memory")
            #expect(cache.holdsWindow(for: kept.personaUserID))
            let memory = try await Self.expectNextLoadReadsTheDatabase(store, cache, erased, client)
            #expect(memory.recentEpisodes.isEmpty)
            #expect(memory.state.turnCount == 0)
        }
    }

    @Test func aSessionDeletionDropsTheUsersWindow() async throws {
        try await TestDatabase.withMigratedClient { client in
            let (store, cache) = Self.cachingStore(client)
            let user = try await Self.userWithAKeptWindow(store, cache, text: "in session s")

            let deleted = try await store.rows(of: user).deleteSession("s")
            #expect(deleted?.messages == 4)
            #expect(!cache.holdsWindow(for: user.personaUserID))
            _ = try await Self.expectNextLoadReadsTheDatabase(store, cache, user, client)
        }
    }

    @Test(arguments: OperatorAction.allCases)
    func anOperatorActionDropsTheUsersWindow(_ action: OperatorAction) async throws {
        try await TestDatabase.withMigratedClient { client in
            let (store, cache) = Self.cachingStore(client)
            let user = try await Self.userWithAKeptWindow(store, cache, text: "before the operator")

            #expect(try await store.applyOperatorAction(action, userID: user.personaUserID, operatorName: "service", reason: "test") != nil)
            #expect(!cache.holdsWindow(for: user.personaUserID))
            let memory = try await Self.expectNextLoadReadsTheDatabase(store, cache, user, client)
            #expect(memory.silenced == (action == .silence))
        }
    }

    /// A caching store and a user with a kept window on a database of their own (a prune deletes
    /// across every user).
    static func withAUserOnAFreshDatabase(
        text: String, _ body: (SigmarisStore, RecallWindowCache, StoreUser, PostgresClient) async throws -> Void
    ) async throws {
        try await TestDatabase.withFreshDatabase(prefix: "sigmaris_prune_recall") { client in
            _ = try await MigrationRunner(client: client, logger: TestDatabase.logger)
                .migrate(try Migration.load(from: TestDatabase.migrationsDirectory))
            let (store, cache) = Self.cachingStore(client)
            try await body(store, cache, try await Self.userWithAKeptWindow(store, cache, text: text), client)
        }
    }

    /// A prune deletes episodes of users it does not name one by one: every window goes.
    @Test func aPruneOfEpisodesDropsTheWindows() async throws {
        try await Self.withAUserOnAFreshDatabase(text: "an old memory") { store, cache, user, client in
            try await client.query(
                "UPDATE public.sigmaris_episodes SET created_at = now() - interval '40 days' WHERE user_id = $1",
                [.text(user.personaUserID)])

            var request = PruneRequest(olderThanDays: 30)
            request.includeConversations = true
            request.pause = .zero
            let pruned = try await store.prune(request)
            #expect(pruned.first { $0.table == "sigmaris_episodes" }?.rows == 2)
            #expect(cache.statistics.users == 0)
            let memory = try await Self.expectNextLoadReadsTheDatabase(store, cache, user, client)
            #expect(memory.recentEpisodes.isEmpty)
        }
    }

    /// A prune that deletes no episode (audit rows only) leaves the windows alone.
    @Test func aPruneOfAuditRowsOnlyKeepsTheWindows() async throws {
        try await Self.withAUserOnAFreshDatabase(text: "a recent memory") { store, cache, user, _ in
            _ = try await store.prune(PruneRequest(olderThanDays: 30))
            #expect(cache.holdsWindow(for: user.personaUserID))
        }
    }
}
