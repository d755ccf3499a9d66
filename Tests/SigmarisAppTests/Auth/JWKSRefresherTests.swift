import Foundation
import Logging
import ServiceLifecycle
import SigmarisAuth
import Testing
@testable import SigmarisApp

@Suite("JWKS refresher service")
struct JWKSRefresherTests {
    struct Unavailable: Error {}

    /// A JWKS endpoint as a closure: fails for the first `failures` calls, counts every call.
    private static func endpoint(failures: Int = 0) throws -> (calls: SharedValue<Int>, fetch: @Sendable () async throws -> Data) {
        let document = Data(try KeyGenerations.jwks(KeyGenerations().first).utf8)
        let calls = SharedValue(0)
        return (calls, {
            var call = 0
            calls.update { $0 += 1; call = $0 }
            if call <= failures { throw Unavailable() }
            return document
        })
    }

    /// Runs `refresher` in a service group, hands control to `body`, then shuts down gracefully
    /// and returns how long the shutdown took.
    private func run(_ refresher: JWKSRefresher, _ body: () async throws -> Void) async throws -> Duration {
        let group = ServiceGroup(services: [refresher], logger: AuthTestApp.quietLogger)
        return try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            try await body()
            let start = ContinuousClock.now
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            return ContinuousClock.now - start
        }
    }

    @Test func prefetchesAtStartAndRefreshesPeriodically() async throws {
        let (calls, fetch) = try Self.endpoint()
        let cache = JWKSCache(ttl: 0.2, minimumRefetchInterval: 0.05, logger: AuthTestApp.quietLogger, fetch: fetch)
        let refresher = JWKSRefresher(cache: cache, logger: AuthTestApp.quietLogger)
        _ = try await run(refresher) {
            #expect(await eventually { await cache.keyIDs.count == 2 })
            // TTL 0.2 s, checked every 0.1 s: a few refetches within a second, without any lookup.
            #expect(await eventually { calls.value >= 3 })
        }
    }

    @Test func aFailedStartIsRetriedNotFatal() async throws {
        let (calls, fetch) = try Self.endpoint(failures: 2)
        let cache = JWKSCache(ttl: 600, minimumRefetchInterval: 0.05, logger: AuthTestApp.quietLogger, fetch: fetch)
        let refresher = JWKSRefresher(cache: cache, retryInterval: .milliseconds(100), logger: AuthTestApp.quietLogger)
        _ = try await run(refresher) {
            #expect(await eventually { await cache.keyIDs.count == 2 })
            #expect(calls.value == 3)
            #expect(await cache.failedFetchCount == 2)
        }
    }

    /// The sleep between refreshes is cut short, so shutdown does not wait half a TTL (300 s by default).
    /// The bound is far below that and far above any scheduling delay of a loaded machine.
    @Test func gracefulShutdownIsPrompt() async throws {
        let (calls, fetch) = try Self.endpoint()
        let cache = JWKSCache(logger: AuthTestApp.quietLogger, fetch: fetch)
        let refresher = JWKSRefresher(cache: cache, logger: AuthTestApp.quietLogger)
        let shutdown = try await run(refresher) {
            #expect(await eventually { calls.value == 1 })
        }
        #expect(shutdown < .seconds(30))
    }
}
