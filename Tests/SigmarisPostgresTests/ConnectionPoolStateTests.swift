import Testing
@testable import SigmarisPostgres

@Suite("Connection pool bookkeeping")
struct ConnectionPoolStateTests {
    @Test func createsUpToTheLimitThenSaysWait() {
        var pool = ConnectionPoolState<String>(maxConnections: 2)
        guard case .create = pool.checkout(), case .create = pool.checkout() else {
            Issue.record("expected two creations"); return
        }
        guard case .mustWait = pool.checkout() else { Issue.record("expected to wait"); return }
        #expect(pool.open == 2)
    }

    @Test func aReturnedConnectionIsKeptAndReusedLastInFirstOut() {
        var pool = ConnectionPoolState<String>(maxConnections: 2)
        _ = pool.checkout()
        _ = pool.checkout()
        guard case .keep = pool.checkin("a"), case .keep = pool.checkin("b") else { Issue.record("expected idle"); return }
        guard case .use("b") = pool.checkout() else { Issue.record("expected the most recent first"); return }
        guard case .use("a") = pool.checkout() else { Issue.record("expected reuse"); return }
        guard case .mustWait = pool.checkout() else { Issue.record("expected to wait"); return }
    }

    @Test func aClosedConnectionFreesItsSlot() {
        var pool = ConnectionPoolState<String>(maxConnections: 1)
        _ = pool.checkout()
        pool.connectionClosed()
        #expect(pool.open == 0)
        guard case .create = pool.checkout() else { Issue.record("expected the slot to be free"); return }
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

    @Test func shutdownFailsNewCheckoutsAndClosesReturns() {
        var pool = ConnectionPoolState<String>(maxConnections: 2)
        _ = pool.checkout()
        _ = pool.checkout()
        _ = pool.checkin("a")
        #expect(pool.shutdown() == ["a"])
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
