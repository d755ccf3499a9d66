import SigmarisConcurrency

/// Who gets the pool's connections, and in which order: `ConnectionPoolState` decides, and the
/// project's one `WaiterQueue` holds the requests that wait (in order of arrival, each until its
/// deadline, leaving at once when cancelled). No I/O: `PostgresClient` opens and closes connections.
///
/// A returned connection or a freed slot goes to the oldest waiter in the same critical section
/// that checks for one, so a hand-over can neither miss a waiter that is about to join nor be lost
/// to a waiter that is leaving (the queue's guarantee, proved by its own tests).
final class ConnectionLeases<Connection: Sendable>: Sendable {
    /// What a lease gets.
    enum Grant: Sendable {
        /// This connection, idle or handed over by the request that used it last.
        case use(Connection)
        /// A slot: open a new connection in it (and give the slot back with `slotFreed` if that fails).
        case create
    }

    /// Why a lease got nothing.
    enum Failure: Error, Sendable {
        case shutDown
        case timedOut
        case cancelled
    }

    /// What a waiter is handed: a grant, or the news that the pool shut down while it waited.
    private enum Handoff: Sendable {
        case grant(Grant)
        case shutDown
    }

    private let queue: WaiterQueue<ConnectionPoolState<Connection>, Void, Handoff>

    init(maxConnections: Int) {
        queue = WaiterQueue(ConnectionPoolState(maxConnections: maxConnections))
    }

    /// A connection or a slot: at once, or once another request gives one back, until `deadline`.
    ///
    /// A grant handed over while the task is cancelled or its deadline passes is still returned:
    /// the caller owns it and gives it back like any other.
    func lease(until deadline: ContinuousClock.Instant) async throws(Failure) -> Grant {
        let outcome = await queue.enter(until: deadline) { pool, _ -> WaitDecision<Void, Handoff, Failure> in
            switch pool.checkout() {
            case .use(let connection): .proceed(.grant(.use(connection)))
            case .create: .proceed(.grant(.create))
            case .mustWait: .wait(())
            case .fail: .refuse(.shutDown)
            }
        }
        switch outcome {
        case .entered(.grant(let grant)): return grant
        case .entered(.shutDown): throw .shutDown
        case .refused(let failure): throw failure
        case .timedOut: throw .timedOut
        case .cancelled: throw .cancelled
        }
    }

    /// A leased connection comes back healthy: to the oldest waiter, else idle. Returns it when the
    /// pool has shut down, for the caller to close.
    func checkin(_ connection: Connection) -> Connection? {
        var toClose: Connection?
        queue.wakeFirst(where: { _ in true }, handing: .grant(.use(connection))) { pool in
            if case .close(let connection) = pool.checkin(connection) { toClose = connection }
        }
        return toClose
    }

    /// A leased connection was closed, or opening one failed: its slot goes to the oldest waiter,
    /// which opens a connection in it, else it is free.
    func slotFreed() {
        queue.wakeFirst(where: { _ in true }, handing: .grant(.create)) { $0.connectionClosed() }
    }

    /// Takes every idle connection out of the pool, for the caller to close.
    func drainIdle() -> [Connection] {
        queue.withState { pool, _ in pool.drainIdle() }
    }

    /// Fails every waiter and every later lease; returns the idle connections to close. Leased
    /// connections are closed when they come back.
    func shutdown() -> [Connection] {
        queue.wakeAll(handing: .shutDown) { $0.shutdown() }
    }

    /// Connections on lease (or being opened), idle ones, and requests waiting, read together.
    var counts: (leased: Int, idle: Int, waiting: Int) {
        queue.withState { pool, waiting in (pool.leased, pool.idle.count, waiting.count) }
    }
}
