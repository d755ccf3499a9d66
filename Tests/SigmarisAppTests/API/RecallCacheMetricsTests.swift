import Foundation
import HummingbirdTesting
import SigmarisApp
import SigmarisTestSupport
import Testing

/// The store's recall cache on `/metrics`: its four families are there at zero from the first
/// scrape, and they move with real turns, an operator action and an erase.
@Suite("Recall cache metrics", .enabled(if: TestDatabase.shouldRun))
struct RecallCacheMetricsTests {
    typealias Name = SigmarisMetrics.Name

    @Test func theFamiliesStartAtZeroAndMoveWithTurnsAnOperatorActionAndAnErase() async throws {
        let app = try buildApplication(configuration: try TestConfiguration.database(), logger: TestConfiguration.logger)
        let user = UUID()
        try await app.test(.router) { client in
            let first = try await Metrics.scrape(client).samples
            for name in [Name.recallCacheHits, Name.recallCacheMisses, Name.recallCacheEntries, Name.recallCacheBytes] {
                #expect(first.has(name), "\(name) is missing from the first scrape")
                #expect(first.total(name) == 0, "\(name) starts at zero")
            }

            // The first turn finds no state row (nothing to look up); the second is served from the
            // window the first one's commit kept.
            _ = try await Sessions.turn(client, user: user, session: "s", text: "hello")
            _ = try await Sessions.turn(client, user: user, session: "s", text: "again")
            let served = try await Metrics.scrape(client).samples
            #expect(served.total(Name.recallCacheHits) == 1)
            #expect(served.total(Name.recallCacheMisses) == 0)
            #expect(served.total(Name.recallCacheEntries) == 1)
            #expect(served.total(Name.recallCacheBytes) > 0)

            // An operator action drops the window: the next turn reads the episodes.
            try await OperatorRouteTests.act(client, user.uuidString.lowercased(), "reset")
            _ = try await Sessions.turn(client, user: user, session: "s", text: "after the reset")
            let missed = try await Metrics.scrape(client).samples
            #expect(missed.total(Name.recallCacheHits) == 1)
            #expect(missed.total(Name.recallCacheMisses) == 1)
            #expect(missed.total(Name.recallCacheEntries) == 1)

            // An erase leaves nothing of the user in memory.
            let erased = try await Sessions.call(client, .delete, "/api/account", user: user, body: #"{"confirm":"DELETE"}"#)
            #expect(erased.status == .ok)
            let empty = try await Metrics.scrape(client).samples
            #expect(empty.total(Name.recallCacheEntries) == 0)
            #expect(empty.total(Name.recallCacheBytes) == 0)
        }
    }

    /// `SIGMARIS_RECALL_CACHE_MB=0`: no cache, the families still there, and they stay at zero.
    @Test func withTheCacheOffTheFamiliesStayAtZero() async throws {
        var configuration = try TestConfiguration.database()
        configuration.recallCacheMegabytes = 0
        let app = try buildApplication(configuration: configuration, logger: TestConfiguration.logger)
        let user = UUID()
        try await app.test(.router) { client in
            for text in ["hello", "again", "and again"] {
                _ = try await Sessions.turn(client, user: user, session: "s", text: text)
            }
            let samples = try await Metrics.scrape(client).samples
            for name in [Name.recallCacheHits, Name.recallCacheMisses, Name.recallCacheEntries, Name.recallCacheBytes] {
                #expect(samples.has(name), "\(name)")
                #expect(samples.total(name) == 0, "\(name)")
            }
        }
    }
}
