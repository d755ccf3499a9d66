/// The bookkeeping of a bounded connection pool, as a value type with no I/O: it decides, the client acts.
///
/// Invariant: `open` counts idle connections, leased connections and connections being created;
/// it never exceeds `maxConnections`. A waiter is only queued while no idle connection exists and
/// `open == maxConnections`, so a queued waiter is always served by the next `checkin` or
/// `connectionClosed`.
struct ConnectionPoolState<Connection> {
    enum CheckoutAction {
        /// Use this idle connection.
        case use(Connection)
        /// A slot is reserved: open a new connection (and report failure with `connectionClosed()`).
        case create
        /// Every slot is in use: `enqueue` the caller, then wait for `checkin` or `connectionClosed`.
        case mustWait
        /// The pool is shut down.
        case fail
    }

    enum ReturnAction {
        case none
        /// Hand this connection straight to a waiter.
        case handOver(Connection, waiter: Int)
        /// A slot freed up: the waiter may open a new connection.
        case letCreate(waiter: Int)
        /// The pool is shut down: close the connection.
        case close(Connection)
    }

    let maxConnections: Int
    private(set) var idle: [Connection] = []
    private(set) var open = 0
    private(set) var waiters: [Int] = []
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

    /// Queues a waiter; only right after `checkout()` answered `.mustWait`, in the same critical section.
    mutating func enqueue(waiter: Int) {
        precondition(!isShutdown && idle.isEmpty && open == maxConnections, "a waiter is queued only while every slot is in use")
        waiters.append(waiter)
    }

    /// A leased connection comes back healthy.
    mutating func checkin(_ connection: Connection) -> ReturnAction {
        if isShutdown {
            open -= 1
            return .close(connection)
        }
        if !waiters.isEmpty { return .handOver(connection, waiter: waiters.removeFirst()) }
        idle.append(connection)
        return .none
    }

    /// A leased connection broke, or opening a reserved one failed: its slot is free again.
    mutating func connectionClosed() -> ReturnAction {
        open -= 1
        if isShutdown || waiters.isEmpty { return .none }
        open += 1
        return .letCreate(waiter: waiters.removeFirst())
    }

    /// Idle connections are dropped after one of them is found dead: a server restart kills them all,
    /// and finding that out one failed request at a time would fail a request per stale connection.
    mutating func drainIdle() -> [Connection] {
        let drained = idle
        open -= drained.count
        idle.removeAll()
        return drained
    }

    /// A waiter gave up (cancelled or out of time). False when it was already served, or never queued.
    mutating func cancel(waiter: Int) -> Bool {
        guard let index = waiters.firstIndex(of: waiter) else { return false }
        waiters.remove(at: index)
        return true
    }

    mutating func shutdown() -> (idle: [Connection], waiters: [Int]) {
        isShutdown = true
        let result = (idle, waiters)
        open -= idle.count
        idle.removeAll()
        waiters.removeAll()
        return result
    }
}
