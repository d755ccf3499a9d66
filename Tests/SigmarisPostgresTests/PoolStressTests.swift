import Foundation
import SigmarisTestSupport
import Synchronization
import Testing
@testable import SigmarisPostgres

/// Thousands of leases on a small pool, with cancellations at random moments and connections that
/// break while in use: afterwards every slot must be accounted for and usable.
///
/// This is the test for the hand-over race the pool once had (a waiter queued under one lock and
/// registered under a second could be skipped, and its slot was lost for good): a lost slot shows in
/// the pool's usage, and the final "all slots at once" step cannot get `poolSize` connections.
@Suite("Connection pool under stress", .enabled(if: TestDatabase.shouldRun), .timeLimit(.minutes(3)))
struct PoolStressTests {
    static let poolSize = 3
    static let leases = 3_000

    enum Kind { case query, breakConnection, cancelSoon, cancelAtOnce }

    /// A short queue (hand-overs often meet a waiter that is just queueing) and a long one.
    @Test(arguments: [5, 48])
    func everySlotIsAccountedForAfterAStorm(inFlight: Int) async throws {
        try await Self.storm(inFlight: inFlight, leaseTimeout: .seconds(60), query: "SELECT 1") { counts in
            #expect(counts.timedOut == 0)
        }
    }

    /// The same storm with a lease deadline of two milliseconds and statements that hold their
    /// connection a millisecond, so most waiters run out of time: the timer path (a waiter leaves the
    /// queue, or is served just as its timer fires) must lose no slot either.
    @Test func everySlotIsAccountedForWhenMostLeasesTimeOut() async throws {
        try await Self.storm(inFlight: 48, leaseTimeout: .milliseconds(2), query: "SELECT pg_sleep(0.001)") { counts in
            #expect(counts.timedOut > 0, "the lease timer should have fired")
        }
    }

    static func storm(
        inFlight: Int, leaseTimeout: Duration, query: String, check: (OutcomeCounter.Counts) -> Void
    ) async throws {
        let url = try TestDatabase.url()
        let client = PostgresClient(
            configuration: .init(connectionString: url, poolSize: Self.poolSize, leaseTimeout: leaseTimeout),
            logger: TestDatabase.logger)
        let outcomes = OutcomeCounter()
        var random = SplitMix64(seed: 0x5EED_0017)
        let kinds: [Kind] = (0..<Self.leases).map { _ in
            switch random.next() % 100 {
            case 0..<60: .query
            case 60..<70: .breakConnection
            case 70..<85: .cancelSoon
            default: .cancelAtOnce
            }
        }
        let delays = (0..<Self.leases).map { _ in Int(random.next() % 400) }

        await withTaskGroup(of: Void.self) { group in
            for (index, kind) in kinds.enumerated() {
                if index >= inFlight { await group.next() }
                group.addTask {
                    await Self.run(kind, query: query, delayMicroseconds: delays[index], client: client, outcomes: outcomes)
                }
            }
        }

        let counts = outcomes.counts
        #expect(counts.unexpected.isEmpty, "unexpected errors: \(counts.unexpected.prefix(5))")
        #expect(counts.succeeded > 0)
        #expect(counts.succeeded + counts.timedOut > Self.leases / 2)
        #expect(counts.cancelled > 0, "the storm should have cancelled some waiters")
        #expect(counts.broken > 0)
        check(counts)

        // Nobody waits, nothing is leased: every open slot is an idle connection.
        let usage = client.usage
        #expect(usage.waiters == 0)
        #expect(usage.inUse == 0, "every open slot is an idle connection")
        #expect(usage.inUse + usage.idle <= Self.poolSize)

        // And every slot can be leased at once, each at once (a lost slot would make one wait, and
        // with the short deadline fail): each holder waits until all of them hold one.
        try await Self.leaseEverySlotAtOnce(client)
        await client.shutdown()
    }

    static func leaseEverySlotAtOnce(_ client: PostgresClient) async throws {
        let holders = Holders()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<Self.poolSize {
                group.addTask {
                    try await client.withConnection { connection in
                        holders.arriveAndWait(for: Self.poolSize)
                        try connection.query("SELECT 1")
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(holders.peak == Self.poolSize)
    }

    private static func run(_ kind: Kind, query: String, delayMicroseconds: Int, client: PostgresClient, outcomes: OutcomeCounter) async {
        switch kind {
        case .query:
            await outcomes.record { try await client.query(query) }
        case .breakConnection:
            // The server ends this session: the connection is dead when it comes back to the pool.
            await outcomes.record { try await client.query("SELECT pg_terminate_backend(pg_backend_pid())") }
        case .cancelSoon, .cancelAtOnce:
            let task = Task { try await client.query(query) }
            if kind == .cancelSoon { try? await Task.sleep(for: .microseconds(delayMicroseconds)) }
            task.cancel()
            await outcomes.record { try await task.value }
        }
    }
}

/// What happened to each lease; anything but success, cancellation or a broken connection is a bug.
final class OutcomeCounter: Sendable {
    struct Counts {
        var succeeded = 0
        var timedOut = 0
        var cancelled = 0
        var broken = 0
        var unexpected: [String] = []
    }

    private let state = Mutex(Counts())
    var counts: Counts { state.withLock { $0 } }

    func record(_ body: () async throws -> PostgresRows) async {
        do {
            _ = try await body()
            state.withLock { $0.succeeded += 1 }
        } catch is CancellationError {
            state.withLock { $0.cancelled += 1 }
        } catch let error as PostgresError where error.code == .leaseTimedOut {
            state.withLock { $0.timedOut += 1 }
        } catch let error as PostgresError where error.code == .connectionLost || error.sqlState == "57P01" {
            state.withLock { $0.broken += 1 }
        } catch {
            state.withLock { $0.unexpected.append("\(error)") }
        }
    }
}

/// A barrier for pool threads: each holder blocks (a pool thread, never the cooperative pool) until
/// `count` holders hold a connection at once, or gives up after a few seconds.
private final class Holders: Sendable {
    private let arrived = Mutex(0)
    var peak: Int { arrived.withLock { $0 } }

    func arriveAndWait(for count: Int) {
        arrived.withLock { $0 += 1 }
        let deadline = ContinuousClock.now + .seconds(5)
        while peak < count, ContinuousClock.now < deadline {
            usleep(1_000)
        }
    }
}
