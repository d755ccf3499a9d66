import Foundation
import SigmarisEngine
import SigmarisPostgres
import SigmarisTestSupport
import Testing
@testable import SigmarisStore

/// A memory the user deletes (one by one, or with its session) is never recalled again: not from
/// the database, not from this process's recall cache, not from another instance's, and not by a
/// turn that read it before the delete (issue #23 §4).
@Suite("Deleting memories", .enabled(if: TestDatabase.shouldRun))
struct MemoryDeletionTests {
    typealias Recall = RecallWindowInvalidationTests

    /// The user's episode ids, newest first, as the database holds them.
    static func episodeIDs(_ user: StoreUser, _ client: PostgresClient) async throws -> [String] {
        try await client.query(
            #"SELECT episode_id FROM public.sigmaris_episodes WHERE user_id = $1 ORDER BY "timestamp" DESC, created_at DESC"#,
            [.text(user.personaUserID)]
        ).map { try $0.decode(String.self, "episode_id") }
    }

    @Test func theListIsNewestFirstWithItsSession() async throws {
        try await TestDatabase.withMigratedClient { client in
            let (store, _) = Recall.cachingStore(client)
            let user = SessionAndEraseRaceTests.user()
            try await Recall.turn(store, user, "first", session: "a")
            try await Recall.turn(store, user, "second", session: "b")
            try await Recall.turn(store, user, "third", session: "b")
            let listed = try await store.rows(of: user).memories(limit: 2)
            #expect(listed.map(\.id) == Array(try await Self.episodeIDs(user, client).prefix(2)))
            #expect(listed.map(\.rawContext) == ["third", "second"])
            #expect(listed.map(\.sessionID) == ["b", "b"])
            #expect(listed.allSatisfy { $0.score == nil && $0.createdAt.wholeMatch(of: /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z/) != nil })
            #expect(try await store.rows(of: SessionAndEraseRaceTests.user()).memories(limit: 20).isEmpty)
        }
    }

    /// The oldest of three: below the two newest ids the stamp names, so only the moved
    /// `control_version` tells another instance that its window changed.
    @Test func aDeletedMemoryLeavesEveryInstancesWindow() async throws {
        try await TestDatabase.withMigratedClient { client in
            let (store, cache) = Recall.cachingStore(client)
            let (other, otherCache) = Recall.cachingStore(client)
            let user = try await Recall.userWithAKeptWindow(store, cache, turns: 3, text: "remember this")
            _ = try await other.loadMemory(userID: user.personaUserID)
            #expect(otherCache.holdsWindow(for: user.personaUserID))
            let oldest = try #require(try await Self.episodeIDs(user, client).last)

            #expect(try await store.rows(of: user).deleteMemory(oldest))
            #expect(!cache.holdsWindow(for: user.personaUserID))
            let memory = try await Recall.expectNextLoadReadsTheDatabase(store, cache, user, client)
            #expect(memory.recentEpisodes.count == 2 && !memory.recentEpisodes.contains { $0.episodeID == oldest })
            let hits = otherCache.statistics.hits
            let elsewhere = try await other.loadMemory(userID: user.personaUserID)
            #expect(otherCache.statistics.hits == hits, "the other instance served its stale window")
            #expect(!elsewhere.recentEpisodes.contains { $0.episodeID == oldest })

            // Twice: nothing left to delete.
            #expect(try await !store.rows(of: user).deleteMemory(oldest))
        }
    }

    @Test func anotherUsersMemoryIsNotFoundAndStays() async throws {
        try await TestDatabase.withMigratedClient { client in
            let (store, cache) = Recall.cachingStore(client)
            let owner = try await Recall.userWithAKeptWindow(store, cache, text: "mine")
            let stranger = SessionAndEraseRaceTests.user()
            try await Recall.turn(store, stranger, "a turn of my own", session: "s")
            let ids = try await Self.episodeIDs(owner, client)
            let version = try await client.query(
                "SELECT control_version FROM public.sigmaris_persona_state WHERE user_id = $1", [.text(owner.personaUserID)]
            )[0].decode(Int.self, "control_version")

            #expect(try await !store.rows(of: stranger).deleteMemory(ids[0]))
            #expect(try await Self.episodeIDs(owner, client) == ids)
            #expect(cache.holdsWindow(for: owner.personaUserID))
            #expect(try await client.query(
                "SELECT control_version FROM public.sigmaris_persona_state WHERE user_id = $1", [.text(owner.personaUserID)]
            )[0].decode(Int.self, "control_version") == version)
        }
    }

    /// A turn that read the window before the delete must not commit a reply built on the memory.
    @Test func aTurnThatReadTheMemoryBeforeTheDeleteConflicts() async throws {
        try await TestDatabase.withMigratedClient { client in
            let (store, _) = Recall.cachingStore(client)
            let user = SessionAndEraseRaceTests.user()
            try await Recall.turn(store, user, "a fact", session: "s")
            let memory = try await store.loadMemory(userID: user.personaUserID)
            let result = try await Recall.engine.runTurn(
                TurnRequest(userID: user.personaUserID, message: "what was the fact?"),
                state: memory.state, recentEpisodes: memory.recentEpisodes, context: .random())
            #expect(try await store.rows(of: user).deleteMemory(try #require(memory.recentEpisodes.first?.episodeID)))
            await #expect(throws: StoreError.turnConflict(userID: user.personaUserID)) {
                try await store.commitTurn(result, from: memory, userID: user.personaUserID, tracing: false, chat: nil)
            }
        }
    }

    @Test func aSessionDeletionTakesItsMemoriesOnly() async throws {
        try await TestDatabase.withMigratedClient { client in
            let (store, cache) = Recall.cachingStore(client)
            let (other, otherCache) = Recall.cachingStore(client)
            let user = SessionAndEraseRaceTests.user()
            try await Recall.turn(store, user, "gone one", session: "gone")
            try await Recall.turn(store, user, "kept", session: "kept")
            try await Recall.turn(store, user, "gone two", session: "gone")
            try await Recall.turn(store, user, "kept again", session: "kept")
            _ = try await other.loadMemory(userID: user.personaUserID)
            #expect(otherCache.holdsWindow(for: user.personaUserID))

            let deleted = try await store.rows(of: user).deleteSession("gone")
            #expect(deleted?.messages == 4 && deleted?.snapshots == 2 && deleted?.memories == 2)
            let left = try await store.rows(of: user).memories(limit: 20)
            #expect(left.map(\.rawContext) == ["kept again", "kept"])
            #expect(!cache.holdsWindow(for: user.personaUserID))
            let elsewhere = try await other.loadMemory(userID: user.personaUserID)
            #expect(elsewhere.recentEpisodes.map(\.rawContext) == ["kept again", "kept"])

            // A session the user has no message in deletes nothing, memories included.
            #expect(try await store.rows(of: user).deleteSession("gone") == nil)
            #expect(try await store.rows(of: user).memories(limit: 20).count == 2)
        }
    }

    /// sql/0016 fills `session_id` of the episodes stored before it from what their rows hold, and
    /// running it again changes nothing.
    @Test func theMigrationFillsTheSessionsItCanKnow() async throws {
        try await TestDatabase.withMigratedClient { client in
            let user = "backfill_\(UUID().uuidString.prefix(8))"
            let trace = UUID().uuidString
            try await client.query(
                """
                INSERT INTO public.sigmaris_episodes (episode_id, user_id, "timestamp", meta) VALUES
                    ($1 || '-meta', $1, now(), jsonb_build_object('session_id', 's-meta', 'trace_id', 'x')),
                    ($1 || '-turn', $1, now(), jsonb_build_object('trace_id', $2::text)),
                    ($1 || '-none', $1, now(), NULL),
                    ($1 || '-kept', $1, now(), jsonb_build_object('session_id', 'ignored'))
                """, [.text(user), .text(trace)])
            try await client.query(
                "UPDATE public.sigmaris_episodes SET session_id = 's-kept' WHERE episode_id = $1 || '-kept'", [.text(user)])
            try await client.query(
                "INSERT INTO public.sigmaris_turns (trace_id, user_id, session_id, role, content) VALUES ($1, $2, 's-turn', 'user', 'x')",
                [.text(trace), .text(user)])
            let file = try #require(try Migration.load(from: TestDatabase.migrationsDirectory).first { $0.name == "0016_episode_sessions.sql" })
            for _ in 0..<2 {
                try await client.withConnection { try $0.execute(script: file.sql) }
                let sessions = try await client.query(
                    "SELECT episode_id, session_id FROM public.sigmaris_episodes WHERE user_id = $1 ORDER BY episode_id", [.text(user)]
                ).map { [try $0.decode(String.self, "episode_id"), try $0.decode(String?.self, "session_id")] }
                #expect(sessions == [["\(user)-kept", "s-kept"], ["\(user)-meta", "s-meta"], ["\(user)-none", nil], ["\(user)-turn", "s-turn"]])
            }
        }
    }
}
