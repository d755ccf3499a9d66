import SigmarisTestSupport
import Testing
@testable import SigmarisPostgres

/// The pool's waiting without a database: strings stand in for connections.
@Suite("Connection leases")
struct ConnectionLeasesTests {
    static let later = ContinuousClock.now + .seconds(60)

    static func name(_ grant: ConnectionLeases<String>.Grant) -> String {
        switch grant {
        case .use(let connection): connection
        case .create: "create"
        }
    }

    static func waiter(_ leases: ConnectionLeases<String>, until deadline: ContinuousClock.Instant = later) -> Task<String, any Error> {
        Task { name(try await leases.lease(until: deadline)) }
    }

    @Test func aReturnedConnectionGoesToTheOldestWaiter() async throws {
        let leases = ConnectionLeases<String>(maxConnections: 1)
        #expect(Self.name(try await leases.lease(until: Self.later)) == "create")
        let first = Self.waiter(leases)
        #expect(await waitUntil { leases.counts.waiting == 1 })
        let second = Self.waiter(leases)
        #expect(await waitUntil { leases.counts.waiting == 2 })

        #expect(leases.checkin("a") == nil)
        #expect(try await first.value == "a")
        #expect(leases.checkin("a") == nil)
        #expect(try await second.value == "a")
        #expect(leases.checkin("a") == nil)
        #expect(leases.counts == (leased: 0, idle: 1, waiting: 0), "nobody waits: it is kept idle")
        #expect(Self.name(try await leases.lease(until: Self.later)) == "a")
    }

    @Test func aFreedSlotLetsTheOldestWaiterOpenAConnection() async throws {
        let leases = ConnectionLeases<String>(maxConnections: 1)
        _ = try await leases.lease(until: Self.later)
        let waiting = Self.waiter(leases)
        #expect(await waitUntil { leases.counts.waiting == 1 })
        leases.slotFreed()
        #expect(try await waiting.value == "create")
        #expect(leases.counts == (leased: 1, idle: 0, waiting: 0), "the slot passed on, still counted once")
        leases.slotFreed()
        #expect(leases.counts == (leased: 0, idle: 0, waiting: 0))
    }

    @Test func aWaiterLeavesWhenCancelledOrOutOfTimeAndTheConnectionIsKept() async throws {
        let leases = ConnectionLeases<String>(maxConnections: 1)
        _ = try await leases.lease(until: Self.later)
        let cancelled = Self.waiter(leases)
        #expect(await waitUntil { leases.counts.waiting == 1 })
        cancelled.cancel()
        await #expect(throws: ConnectionLeases<String>.Failure.cancelled) { try await cancelled.value }
        await #expect(throws: ConnectionLeases<String>.Failure.timedOut) {
            try await leases.lease(until: .now + .milliseconds(20))
        }
        #expect(leases.counts.waiting == 0)
        #expect(leases.checkin("a") == nil)
        #expect(leases.counts == (leased: 0, idle: 1, waiting: 0))
    }

    @Test func shutdownFailsWaitersAndLaterLeasesAndClosesReturns() async throws {
        let leases = ConnectionLeases<String>(maxConnections: 2)
        _ = try await leases.lease(until: Self.later)
        _ = try await leases.lease(until: Self.later)
        let waiting = Self.waiter(leases)
        #expect(await waitUntil { leases.counts.waiting == 1 })
        #expect(leases.checkin("a") == nil, "handed to the waiter")
        #expect(try await waiting.value == "a")
        let late = Self.waiter(leases)
        #expect(await waitUntil { leases.counts.waiting == 1 })

        #expect(leases.shutdown() == [])
        await #expect(throws: ConnectionLeases<String>.Failure.shutDown) { try await late.value }
        await #expect(throws: ConnectionLeases<String>.Failure.shutDown) { try await leases.lease(until: Self.later) }
        #expect(leases.checkin("a") == "a", "a connection that comes back after shutdown is closed")
        leases.slotFreed()
        #expect(leases.counts == (leased: 0, idle: 0, waiting: 0))
    }
}
