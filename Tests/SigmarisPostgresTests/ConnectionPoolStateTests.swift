import Testing
@testable import SigmarisPostgres

@Suite("Connection pool bookkeeping")
struct ConnectionPoolStateTests {
    @Test func createsUpToTheLimitThenQueues() {
        var pool = ConnectionPoolState<String>(maxConnections: 2)
        guard case .create = pool.checkout(), case .create = pool.checkout() else {
            Issue.record("expected two creations"); return
        }
        guard case .mustWait = pool.checkout() else { Issue.record("expected to wait"); return }
        #expect(pool.waiters.isEmpty, "checkout alone queues nobody")
        pool.enqueue(waiter: 3)
        #expect(pool.open == 2)
        #expect(pool.waiters == [3])
    }

    @Test func checkinHandsOverToTheOldestWaiter() {
        var pool = ConnectionPoolState<String>(maxConnections: 1)
        _ = pool.checkout()
        pool.enqueue(waiter: 2)
        pool.enqueue(waiter: 3)
        guard case .handOver("a", waiter: 2) = pool.checkin("a") else { Issue.record("expected hand-over to 2"); return }
        guard case .handOver("a", waiter: 3) = pool.checkin("a") else { Issue.record("expected hand-over to 3"); return }
        guard case .none = pool.checkin("a") else { Issue.record("expected idle"); return }
        guard case .use("a") = pool.checkout() else { Issue.record("expected reuse"); return }
    }

    @Test func aClosedConnectionLetsAWaiterCreate() {
        var pool = ConnectionPoolState<String>(maxConnections: 1)
        _ = pool.checkout()
        pool.enqueue(waiter: 2)
        guard case .letCreate(waiter: 2) = pool.connectionClosed() else { Issue.record("expected letCreate"); return }
        #expect(pool.open == 1)
        guard case .none = pool.connectionClosed() else { Issue.record("expected none"); return }
        #expect(pool.open == 0)
    }

    @Test func drainingIdleFreesTheirSlots() {
        var pool = ConnectionPoolState<String>(maxConnections: 3)
        for _ in 1...3 { _ = pool.checkout() }
        _ = pool.checkin("a")
        _ = pool.checkin("b")
        let drained = pool.drainIdle()
        #expect(drained == ["a", "b"])
        #expect(pool.open == 1)
    }

    @Test func cancelledWaiterLeavesTheQueue() {
        var pool = ConnectionPoolState<String>(maxConnections: 1)
        _ = pool.checkout()
        pool.enqueue(waiter: 2)
        let first = pool.cancel(waiter: 2)
        let second = pool.cancel(waiter: 2)
        #expect(first)
        #expect(!second)
        guard case .none = pool.checkin("a") else { Issue.record("expected idle"); return }
    }

    @Test func shutdownFailsNewCheckoutsAndClosesReturns() {
        var pool = ConnectionPoolState<String>(maxConnections: 2)
        _ = pool.checkout()
        _ = pool.checkout()
        _ = pool.checkin("a")
        let (idle, waiters) = pool.shutdown()
        #expect(idle == ["a"])
        #expect(waiters.isEmpty)
        guard case .fail = pool.checkout() else { Issue.record("expected fail"); return }
        guard case .close("b") = pool.checkin("b") else { Issue.record("expected close"); return }
        #expect(pool.open == 0)
    }

    @Test func leasedCountsWhatIsNeitherIdleNorFree() {
        var pool = ConnectionPoolState<String>(maxConnections: 3)
        _ = pool.checkout()
        _ = pool.checkout()
        #expect(pool.leased == 2)
        _ = pool.checkin("a")
        #expect(pool.leased == 1)
        #expect(pool.open == 2)
    }
}
