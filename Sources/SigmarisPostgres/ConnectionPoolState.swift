/// The bookkeeping of a bounded connection pool, as a value type with no I/O: it decides, the client acts.
///
/// Invariant: `open` counts idle connections, leased connections and connections being created;
/// it never exceeds `maxConnections`. Requests that find every slot in use wait in the
/// `WaiterQueue` that holds this state (`ConnectionLeases`), which hands each returned connection or
/// freed slot to its oldest waiter before this state sees it. So idle connections exist only while
/// nobody waits, and a waiter is queued only while `open == maxConnections`: every waiter is served
/// by the next return.
struct ConnectionPoolState<Connection> {
    enum CheckoutAction {
        /// Use this idle connection.
        case use(Connection)
        /// A slot is reserved: open a new connection (and report failure with `connectionClosed()`).
        case create
        /// Every slot is in use: wait for a connection or a slot to be handed over.
        case mustWait
        /// The pool is shut down.
        case fail
    }

    enum ReturnAction {
        /// Kept idle for the next checkout.
        case keep
        /// The pool is shut down: close the connection.
        case close(Connection)
    }

    let maxConnections: Int
    private(set) var idle: [Connection] = []
    private(set) var open = 0
    private(set) var isShutdown = false

    init(maxConnections: Int) {
        self.maxConnections = max(1, maxConnections)
    }

    /// Connections out on lease or being opened right now.
    var leased: Int { open - idle.count }

    mutating func checkout() -> CheckoutAction {
        if isShutdown { return .fail }
        // Last in, first out: the most recently used connection is the one most likely still alive.
        if let connection = idle.popLast() { return .use(connection) }
        if open < maxConnections {
            open += 1
            return .create
        }
        return .mustWait
    }

    /// A leased connection comes back healthy and nobody waits for it.
    mutating func checkin(_ connection: Connection) -> ReturnAction {
        if isShutdown {
            open -= 1
            return .close(connection)
        }
        idle.append(connection)
        return .keep
    }

    /// A leased connection broke, or opening a reserved one failed, and nobody waits for its slot:
    /// the slot is free again.
    mutating func connectionClosed() {
        open -= 1
    }

    /// Idle connections are dropped after one of them is found dead: a server restart kills them all,
    /// and finding that out one failed request at a time would fail a request per stale connection.
    mutating func drainIdle() -> [Connection] {
        let drained = idle
        open -= drained.count
        idle.removeAll()
        return drained
    }

    /// Fails every later checkout; returns the idle connections to close.
    mutating func shutdown() -> [Connection] {
        isShutdown = true
        return drainIdle()
    }
}

extension ConnectionPoolState: Sendable where Connection: Sendable {}
