import Foundation
import Hummingbird
import HummingbirdTesting
@testable import SigmarisApp
import SigmarisStore
import SigmarisTestSupport
import Synchronization
import Testing

/// `/readyz` answers from a probe at most a second old, and concurrent requests share one probe, so
/// unauthenticated probes cannot take pool leases at will. The probes are counted through the probe
/// the check is given; the clock is the test's own, so nothing here depends on how fast it runs.
@Suite("/readyz probes the database at most once a second")
struct ReadinessCheckTests {
    /// A clock that moves only when the test moves it.
    final class TestClock: Sendable {
        private let start = ContinuousClock.now
        private let offset = Mutex(Duration.zero)
        func now() -> ContinuousClock.Instant { start + offset.withLock { $0 } }
        func advance(by duration: Duration) { offset.withLock { $0 += duration } }
    }

    static func router(_ readiness: ReadinessCheck) -> Router<SigmarisRequestContext> {
        let router = Router(context: SigmarisRequestContext.self)
        HealthController(readiness: readiness).addRoutes(to: router)
        return router
    }

    static func readyz(_ client: some TestClientProtocol, times: Int) async throws -> [HTTPResponse.Status] {
        try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
            for _ in 0..<times {
                group.addTask { try await client.execute(uri: "/readyz", method: .get) { $0.status } }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
    }

    @Test(.enabled(if: TestDatabase.shouldRun))
    func manyConcurrentRequestsWithinASecondMakeOneRealProbe() async throws {
        let probes = Atomic(0)
        let clock = TestClock()
        try await TestDatabase.withMigratedClient(poolSize: 2) { database in
            let store = SigmarisStore(database: database)
            let readiness = ReadinessCheck(now: { clock.now() }) {
                probes.add(1, ordering: .relaxed)
                return await store.isReachable()
            }
            try await Application(router: Self.router(readiness)).test(.router) { client in
                let first = try await Self.readyz(client, times: 64)
                #expect(first.allSatisfy { $0 == .ok })
                #expect(probes.load(ordering: .relaxed) == 1)
                clock.advance(by: .milliseconds(999))
                let within = try await Self.readyz(client, times: 16)
                #expect(within.allSatisfy { $0 == .ok })
                #expect(probes.load(ordering: .relaxed) == 1, "a result under a second old was probed again")
                clock.advance(by: .milliseconds(1))
                let after = try await Self.readyz(client, times: 16)
                #expect(after.allSatisfy { $0 == .ok })
                #expect(probes.load(ordering: .relaxed) == 2)
            }
        }
    }

    /// Requests that arrive while a probe runs wait for it instead of starting their own.
    @Test func requestsDuringAProbeShareIt() async throws {
        let probes = Atomic(0)
        let release = TestSignal()
        let clock = TestClock()
        let readiness = ReadinessCheck(now: { clock.now() }) {
            probes.add(1, ordering: .relaxed)
            await release.wait()
            return true
        }
        try await Application(router: Self.router(readiness)).test(.router) { client in
            async let statuses = Self.readyz(client, times: 20)
            #expect(await waitUntil { readiness.waitingCount == 19 }, "\(readiness.waitingCount) waiting")
            #expect(probes.load(ordering: .relaxed) == 1)
            release.raise()
            let answered = try await statuses
            #expect(answered.allSatisfy { $0 == .ok })
        }
        #expect(probes.load(ordering: .relaxed) == 1)
    }

    /// An unreachable database is remembered as such for the second too (a 503 with Retry-After),
    /// so a database that is down is not probed harder either.
    @Test func aFailedProbeIsKeptLikeASuccess() async throws {
        let probes = Atomic(0)
        let clock = TestClock()
        let readiness = ReadinessCheck(now: { clock.now() }) {
            probes.add(1, ordering: .relaxed)
            return false
        }
        try await Application(router: Self.router(readiness)).test(.router) { client in
            let statuses = try await Self.readyz(client, times: 10)
            #expect(statuses.allSatisfy { $0 == .serviceUnavailable })
            #expect(probes.load(ordering: .relaxed) == 1)
            try await client.execute(uri: "/readyz", method: .get) { response in
                #expect(response.headers[.retryAfter] == "5")
            }
            clock.advance(by: .seconds(1))
            _ = try await Self.readyz(client, times: 1)
            #expect(probes.load(ordering: .relaxed) == 2)
        }
    }
}
