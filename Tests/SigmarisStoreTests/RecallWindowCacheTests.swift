import Foundation
import SigmarisEngine
import SigmarisPostgres
import Testing
@testable import SigmarisStore

@Suite("RecallWindowCache")
struct RecallWindowCacheTests {
    static func episode(_ id: String, at seconds: Double, dimensions: Int = 4) -> Episode {
        Episode(episodeID: id, timestamp: Date(timeIntervalSince1970: seconds), summary: "summary \(id)",
                rawContext: "context", embedding: Array(repeating: 0.5, count: dimensions))
    }

    static func stamp(_ turnCount: Int, _ controlVersion: Int = 0, _ window: [Episode]) -> RecallWindowStamp {
        RecallWindowStamp(turnCount: turnCount, controlVersion: controlVersion, window: window)
    }

    @Test func aWindowIsServedOnlyForExactlyTheStampItWasKeptWith() {
        let cache = RecallWindowCache(budgetBytes: 1_000_000)
        let window = [Self.episode("e2", at: 2), Self.episode("e1", at: 1)]
        cache.remember(window, for: "u", stamp: Self.stamp(2, 0, window))
        #expect(cache.window(for: "u", matching: Self.stamp(2, 0, window)) == window)
        #expect(cache.window(for: "other", matching: Self.stamp(2, 0, window)) == nil)
        #expect(cache.statistics.hits == 1 && cache.statistics.misses == 1)

        // Another turn count, control version or top of the window: stale, and dropped.
        for stale in [Self.stamp(3, 0, window), Self.stamp(2, 1, window), Self.stamp(2, 0, [Self.episode("x", at: 3), window[0]])] {
            cache.remember(window, for: "u", stamp: Self.stamp(2, 0, window))
            #expect(cache.window(for: "u", matching: stale) == nil)
            #expect(cache.window(for: "u", matching: Self.stamp(2, 0, window)) == nil)
        }
    }

    @Test func theStampNamesTheTwoNewestEpisodes() {
        let window = (0..<5).map { Self.episode("e\($0)", at: Double(10 - $0)) }
        #expect(Self.stamp(5, 0, window).newestEpisodeIDs == ["e0", "e1"])
        #expect(Self.stamp(0, 0, []).newestEpisodeIDs == [])
        #expect(Self.stamp(5, 0, window).matchesTop(of: window))
        #expect(!Self.stamp(5, 0, window).matchesTop(of: Array(window.dropFirst())))
    }

    @Test func memoryStaysWithinTheBudgetDroppingTheLeastRecentUsers() {
        let window = (0..<50).map { Self.episode("e\($0)", at: Double(100 - $0), dimensions: 1536) }
        let perUser = RecallWindowCache.cost(of: window, userID: "user-0")
        #expect(perUser > 50 * 1536 * 4)
        let cache = RecallWindowCache(budgetBytes: perUser * 3 + perUser / 2)
        for user in 0..<10 {
            cache.remember(window, for: "user-\(user)", stamp: Self.stamp(50, 0, window))
        }
        #expect(cache.statistics.users == 3)
        #expect(cache.statistics.bytes <= perUser * 3 + perUser / 2)
        #expect(cache.window(for: "user-9", matching: Self.stamp(50, 0, window)) != nil)
        #expect(cache.window(for: "user-0", matching: Self.stamp(50, 0, window)) == nil)
        cache.forget(userID: "user-9")
        #expect(cache.statistics.users == 2)
    }

    @Test func zeroMegabytesIsNoCache() {
        #expect(RecallWindowCache(megabytes: 0) == nil)
        #expect(RecallWindowCache(megabytes: 1) != nil)
    }

    /// After a commit the window is the turn's episode, as a read would return it, on top of the one
    /// the turn read, cut to the limit, under the new turn count.
    @Test func aCommittedTurnPutsItsEpisodeOnTopAsTheDatabaseWouldReturnIt() async throws {
        let engine = PersonaEngine(provider: LocalProvider(), anchors: SafetyAnchorCache())
        let limit = PersonaConstants.Turn.recentEpisodeLimit
        let read = (0..<limit).map { Self.episode("old\($0)", at: 1_000_000 - Double($0)) }
        var memory = PersonaMemory(state: .initial, recentEpisodes: read, controlVersion: 3)
        memory.state.turnCount = 60
        let turn = try await engine.runTurn(
            TurnRequest(userID: "u", message: "Hello there"), state: memory.state, recentEpisodes: read,
            context: .random(now: Date(timeIntervalSince1970: 1_795_583_110.1234567)))
        let cache = RecallWindowCache(budgetBytes: 10_000_000)
        cache.recordCommit(of: turn, from: memory, userID: "u")

        let expected = [PersonaStateStore.asLoaded(turn.episode)] + read.prefix(limit - 1)
        #expect(expected[0].timestamp == PostgresTimestamp.stored(turn.episode.timestamp))
        #expect(expected[0].timestamp != turn.episode.timestamp)
        #expect(cache.window(for: "u", matching: Self.stamp(61, 3, expected)) == expected)

        // An episode older than the newest one read (a clock behind another instance's) is not
        // placed by guess: the user's window is dropped and the next turn reads it.
        var late = memory
        late.recentEpisodes = [Self.episode("future", at: 1_900_000_000)] + read
        cache.recordCommit(of: turn, from: late, userID: "u")
        #expect(cache.statistics.users == 0)
    }

    /// A window read (or committed) before a drop is not kept after it: an erase that committed
    /// while a turn read or committed cannot have its episodes put back in memory by that turn.
    @Test func aWindowFromBeforeADropIsNotKept() {
        let cache = RecallWindowCache(budgetBytes: 1_000_000)
        let window = [Self.episode("e1", at: 1)]
        let before = cache.drops
        cache.forget(userID: "u")
        cache.remember(window, for: "u", stamp: Self.stamp(1, 0, window), unlessDroppedSince: before)
        #expect(!cache.holdsWindow(for: "u"))
        cache.remember(window, for: "u", stamp: Self.stamp(1, 0, window), unlessDroppedSince: cache.drops)
        #expect(cache.holdsWindow(for: "u"))

        let beforePrune = cache.drops
        cache.forgetAll()
        #expect(cache.statistics.users == 0 && cache.statistics.bytes == 0)
        cache.remember(window, for: "v", stamp: Self.stamp(1, 0, window), unlessDroppedSince: beforePrune)
        #expect(cache.statistics.users == 0)
    }
}
