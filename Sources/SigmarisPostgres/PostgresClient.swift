import Logging
import NIOPosix
import ServiceLifecycle
import Synchronization

/// A bounded pool of libpq connections behind an `async` API.
///
/// libpq blocks, so each unit of work runs on a thread of the client's own `NIOThreadPool`, sized to
/// the pool so a lease never waits for a thread. Work is a synchronous closure that gets the connection:
/// a transaction cannot await anything remote while it holds a connection, by construction.
///
/// Run it as a `Service` (it closes connections on graceful shutdown), or call `shutdown()`.
public final class PostgresClient: Sendable, Service {
    public let configuration: PostgresConfiguration
    private let threadPool: NIOThreadPool
    /// Where cancel requests are sent (`CancelRequest`): apart from the connections' threads, which
    /// wait for the cancelled statement's answer meanwhile. Two threads: a cancel request takes a
    /// round trip normally, and on a partitioned network the ones behind a stuck one only come late,
    /// after their connections were closed anyway.
    private let cancelThreads = NIOThreadPool(numberOfThreads: 2)
    private let state: Mutex<PoolState>
    private let logger: Logger
    /// Told how long each lease took (a connection, or the error when none came), for metrics.
    private let leaseObserver: (@Sendable (Duration) -> Void)?

    /// The pool's decisions and the continuations of its waiters, changed together under one lock:
    /// a waiter is in `pool.waiters` exactly when its continuation is in `continuations`.
    private struct PoolState: ~Copyable {
        var pool: ConnectionPoolState<ConnectionBox>
        var continuations: [Int: CheckedContinuation<Grant, any Error>] = [:]
        var nextWaiter = 0
        /// Threads start with the first connection, so a client that is built and dropped (a failing
        /// `AppServices.init`, a `migrate` that never gets that far) leaves no thread behind.
        var threadsStarted = false

        /// What the pool can give right now, or nil when every slot is in use.
        mutating func grantNow(_ threadPools: NIOThreadPool...) -> Result<Grant, any Error>? {
            switch pool.checkout() {
            case .use(let box): return .success(.connection(box))
            case .create:
                if !threadsStarted {
                    threadPools.forEach { $0.start() }
                    threadsStarted = true
                }
                return .success(.create)
            case .fail: return .failure(PostgresError(.clientClosed))
            case .mustWait: return nil
            }
        }
    }

    private enum Grant: Sendable {
        case connection(ConnectionBox)
        case create
    }

    public init(configuration: PostgresConfiguration, logger: Logger, leaseObserver: (@Sendable (Duration) -> Void)? = nil) {
        self.configuration = configuration
        self.logger = logger
        self.leaseObserver = leaseObserver
        self.threadPool = NIOThreadPool(numberOfThreads: configuration.poolSize)
        self.state = Mutex(PoolState(pool: ConnectionPoolState(maxConnections: configuration.poolSize)))
    }

    // MARK: Running work

    /// When work may run again on a fresh connection after its connection broke under it.
    ///
    /// Either way, never after COMMIT was sent (`commitOutcomeUnknown`), after a statement that ran
    /// past its timeout, or for a cancelled task; and every attempt shares the first one's lease
    /// deadline.
    public enum Replay: Sendable {
        /// Only if nothing of the work was sent: the connection was found dead before its first
        /// statement (`PostgresConnection.verifyIdle`), so nothing of it can have happened. A statement
        /// that was sent may have run, even if its answer never came back.
        case ifNothingRan
        /// Whenever the connection broke, or the server rolled the transaction back on its own (a
        /// deadlock victim, a serialization failure): the work only reads, or is a transaction that
        /// had not sent its COMMIT, which the server rolls back when the connection dies.
        case whenConnectionBreaks
    }

    /// How often work is run at most when its connections keep breaking (a restart in progress).
    static let maxAttempts = 3

    /// Runs `body` with a connection on a pool thread.
    ///
    /// A connection found broken is replaced, and the work retried as `replay` allows; `body` must
    /// therefore have no side effects outside the database. A transaction left open by `body` is rolled
    /// back before the connection goes back to the pool; a connection that is not clean afterwards
    /// (broken, still in a transaction, or cancelled) is closed instead.
    ///
    /// Each statement is bounded by `configuration.statementTimeout` (`StatementDeadline`). When the
    /// calling task is cancelled, its running statement is cancelled on the server and the work ends
    /// with a `CancellationError`.
    public func withConnection<T: Sendable>(
        replay: Replay = .ifNothingRan,
        _ body: @escaping @Sendable (PostgresConnection) throws -> T
    ) async throws -> T {
        // One deadline for every attempt: a retry does not start a new wait.
        let leaseDeadline = ContinuousClock.now + configuration.leaseTimeout
        var attempt = 0
        while true {
            attempt += 1
            let box = try await lease(until: leaseDeadline)
            let signal = CancelSignal()
            let statementTimeout = configuration.statementTimeout
            let outcome: Result<T, any Error>
            do {
                outcome = .success(try await withTaskCancellationHandler {
                    try await threadPool.runIfActive {
                        let connection = box.connection
                        connection.beginLease(statementTimeout: statementTimeout, cancelSignal: signal)
                        try connection.verifyIdle()
                        let result = Result { try body(connection) }
                        if connection.isHealthy, connection.isInTransaction {
                            _ = try? connection.ignoringCancellation { try connection.query("ROLLBACK") }
                        }
                        return try result.get()
                    }
                } onCancel: {
                    signal.cancel()
                })
            } catch {
                outcome = .failure(error)
            }
            // The pool thread's work has completed; reading the connection here is ordered after it.
            let broke = !box.connection.isHealthy
            let nothingRan = box.connection.statementsSent == 0
            if box.connection.isClean {
                giveBack(box)
            } else {
                discard(box, brokeUnderUse: broke)
            }
            switch outcome {
            case .success(let value):
                return value
            case .failure(let error as PostgresError) where error.code == .cancelled:
                throw CancellationError()
            case .failure(let error as PostgresError)
                where attempt < Self.maxAttempts
                && Self.mayRunAgain(after: error, broke: broke, nothingRan: nothingRan, replay: replay):
                logger.info("postgres work failed before it could take effect; running it again", metadata: [
                    "sigmaris.attempt": "\(attempt)", "sigmaris.error": "\(error)",
                ])
                continue
            case .failure(let error):
                throw error
            }
        }
    }

    /// The rule for running work again (`Replay`), apart so it reads in one place.
    static func mayRunAgain(after error: PostgresError, broke: Bool, nothingRan: Bool, replay: Replay) -> Bool {
        switch error.code {
        case .commitOutcomeUnknown, .statementTimedOut, .cancelled, .clientClosed, .leaseTimedOut:
            return false
        default:
            break
        }
        if broke { return nothingRan || replay == .whenConnectionBreaks }
        return replay == .whenConnectionBreaks && error.isRolledBackByServer
    }

    /// Runs `body` inside `BEGIN … COMMIT`; any error thrown by `body` (or by the database) rolls back.
    ///
    /// BEGIN sets the statement timeout for the transaction (`TransactionStart`). A connection that
    /// breaks before COMMIT is sent leaves nothing behind, so the transaction runs again on a new
    /// connection (`body` must only touch the database); so does one the server rolled back as a
    /// deadlock victim or a serialization failure. One that breaks while COMMIT is on its way leaves
    /// the outcome unknown: that is never retried, and fails as `commitOutcomeUnknown`.
    public func withTransaction<T: Sendable>(
        _ body: @escaping @Sendable (PostgresConnection) throws -> T
    ) async throws -> T {
        try await withConnection(replay: .whenConnectionBreaks) { connection in
            try connection.begin()
            let value: T
            do {
                value = try body(connection)
            } catch {
                if connection.isHealthy { _ = try? connection.ignoringCancellation { try connection.query("ROLLBACK") } }
                throw error
            }
            guard connection.isHealthy else {
                // Broken before COMMIT was sent (`body` swallowed the error): the server rolled back.
                throw PostgresError(.connectionLost, detail: "connection broke before COMMIT")
            }
            guard !connection.isInFailedTransaction else {
                // `body` swallowed a statement error; COMMIT would silently roll back, so say so.
                _ = try? connection.ignoringCancellation { try connection.query("ROLLBACK") }
                throw PostgresError(.queryFailed, sqlState: "25P02", detail: "transaction was aborted by an earlier error")
            }
            // A task cancelled by now still commits: the work is done, and a COMMIT cut short would
            // leave its outcome unknown.
            do {
                _ = try connection.ignoringCancellation { () throws(PostgresError) in try connection.query("COMMIT") }
            } catch let error as PostgresError where !connection.isHealthy {
                throw PostgresError(.commitOutcomeUnknown, sqlState: error.sqlState, detail: "connection broke during COMMIT")
            }
            return value
        }
    }

    /// Runs one parameterized statement.
    @discardableResult
    public func query(_ sql: String, _ parameters: [PostgresValue] = []) async throws -> PostgresRows {
        try await withConnection { try $0.query(sql, parameters) }
    }

    /// True when a connection can be had and answers `SELECT 1`.
    public func isReachable() async -> Bool {
        do {
            return try await query("SELECT 1 AS ok").first?.decode(Int.self, "ok") == 1
        } catch {
            return false
        }
    }

    /// What the pool holds right now, for metrics and tests: connections on lease (or being opened),
    /// idle ones, and requests waiting for one.
    public struct Usage: Equatable, Sendable {
        public var inUse: Int
        public var idle: Int
        public var waiters: Int
        public var size: Int
        /// Continuations registered by waiters: always `waiters` (the pool's invariant, checked by tests).
        var continuations: Int
    }

    public var usage: Usage {
        state.withLock { state in
            Usage(inUse: state.pool.leased, idle: state.pool.idle.count, waiters: state.pool.waiters.count,
                  size: configuration.poolSize, continuations: state.continuations.count)
        }
    }

    // MARK: Lifecycle

    public func run() async throws {
        try? await gracefulShutdown()
        await shutdown()
    }

    /// Closes idle connections, fails waiters and stops the threads. Leased connections close on return.
    /// Call it once, after the last use; `run()` calls it on graceful shutdown.
    public func shutdown() async {
        let (idle, waiters) = state.withLock { state in
            let (idle, waiterIDs) = state.pool.shutdown()
            let waiters = waiterIDs.compactMap { state.continuations.removeValue(forKey: $0) }
            return (idle, waiters)
        }
        waiters.forEach { $0.resume(throwing: PostgresError(.clientClosed)) }
        close(idle)
        try? await threadPool.shutdownGracefully()
        try? await cancelThreads.shutdownGracefully()
    }

    /// Hands a connection's cancel request to `cancelThreads`.
    private var cancelSender: CancelSender {
        let threads = cancelThreads
        return { request in
            threads.submit { state in
                if case .active = state { request.send() }
            }
        }
    }

    // MARK: Leasing

    /// A connection by `deadline` (`configuration.leaseTimeout` after the work asked): an idle one, a new one, or one handed over
    /// by another request. While the server cannot be reached (a restart), opening is retried with
    /// backoff until the same deadline, so a short outage delays requests instead of failing them.
    private func lease(until deadline: ContinuousClock.Instant) async throws -> ConnectionBox {
        let start = ContinuousClock.now
        defer { leaseObserver?(ContinuousClock.now - start) }
        let immediate = state.withLock { $0.grantNow(threadPool, cancelThreads) }
        let grant: Grant
        if let immediate {
            grant = try immediate.get()
        } else {
            grant = try await waitForGrant(until: deadline)
        }
        switch grant {
        case .connection(let box):
            return box
        case .create:
            return try await open(until: deadline)
        }
    }

    /// Opens a connection in a slot this request holds; the slot is given back if that fails.
    private func open(until deadline: ContinuousClock.Instant) async throws -> ConnectionBox {
        let configuration = self.configuration
        var backoff = Duration.milliseconds(50)
        while true {
            do {
                let sender = cancelSender
                return try await threadPool.runIfActive {
                    ConnectionBox(try PostgresConnection(configuration: configuration, cancelSender: sender))
                }
            } catch let error as PostgresError where error.code == .connectionFailed && .now + backoff < deadline {
                logger.debug("postgres unreachable; trying again", metadata: ["sigmaris.error": "\(error)"])
                do {
                    try await Task.sleep(for: backoff)
                } catch {
                    slotFreed()
                    throw error
                }
                backoff = min(backoff * 2, .seconds(1))
            } catch is CancellationError {
                // `runIfActive` does not start work for a cancelled task: nothing was opened.
                slotFreed()
                throw CancellationError()
            } catch {
                logger.warning("postgres connection failed", metadata: ["sigmaris.error": "\(error)"])
                slotFreed()
                throw (error as? PostgresError) ?? PostgresError(.clientClosed)
            }
        }
    }

    /// Waits for a connection or a free slot until `deadline`.
    ///
    /// The deadline bounds the wait even if a slot were ever lost: a request then fails with a 503
    /// instead of hanging. A grant that arrives while the timer fires is used, never dropped.
    private func waitForGrant(until deadline: ContinuousClock.Instant) async throws -> Grant {
        let waiter = state.withLock { state in
            defer { state.nextWaiter += 1 }
            return state.nextWaiter
        }
        let timeout = configuration.leaseTimeout
        return try await withThrowingTaskGroup(of: Grant?.self) { group in
            group.addTask { try await self.enqueue(waiter) }
            group.addTask {
                try? await Task.sleep(until: deadline)
                return nil
            }
            let first: Grant?
            do {
                first = try await group.next()!
            } catch {
                group.cancelAll()
                throw error
            }
            group.cancelAll()
            if let first { return first }
            // The timer fired (or this task was cancelled); cancelling the group took the waiter out of
            // the queue, unless it was served in the meantime.
            do {
                return try await group.next()!!
            } catch is CancellationError where !Task.isCancelled {
                logger.warning("no database connection became free in time", metadata: [
                    "sigmaris.lease_timeout": "\(timeout)", "sigmaris.pool_size": "\(configuration.poolSize)",
                ])
                throw PostgresError(.leaseTimedOut)
            }
        }
    }

    /// Queues `waiter` and suspends until a connection or slot is handed to it.
    ///
    /// The pool is asked again, the waiter queued and its continuation registered in one critical
    /// section, so a hand-over always finds the continuation it serves.
    private func enqueue(_ waiter: Int) async throws -> Grant {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Grant, any Error>) in
                let immediate: Result<Grant, any Error>? = state.withLock { state in
                    // Cancelled before we got here: the cancellation handler found nothing to remove.
                    if Task.isCancelled { return .failure(CancellationError()) }
                    if let granted = state.grantNow(threadPool, cancelThreads) { return granted }
                    state.pool.enqueue(waiter: waiter)
                    state.continuations[waiter] = continuation
                    return nil
                }
                if let immediate { continuation.resume(with: immediate) }
            }
        } onCancel: {
            let continuation = state.withLock { state in
                state.pool.cancel(waiter: waiter) ? state.continuations.removeValue(forKey: waiter) : nil
            }
            continuation?.resume(throwing: CancellationError())
        }
    }

    private func giveBack(_ box: ConnectionBox) {
        settle(.checkin(box))
    }

    /// Closes a connection that is not fit for another lease.
    private func discard(_ box: ConnectionBox, brokeUnderUse: Bool) {
        if brokeUnderUse {
            // Its siblings are most likely dead too (a restart kills every socket): drop the idle ones.
            let idle = state.withLock { $0.pool.drainIdle() }
            close(idle)
        }
        close([box])
        slotFreed()
    }

    private func slotFreed() {
        settle(.slotFreed)
    }

    /// Applies a return to the pool and carries out its decision. A waiter it names leaves the queue
    /// and hands over its continuation in the same critical section, so nothing can come in between.
    private enum Return {
        case checkin(ConnectionBox)
        case slotFreed
    }

    private func settle(_ change: sending Return) {
        let (action, continuation) = state.withLock { state in
            let action = switch change {
            case .checkin(let box): state.pool.checkin(box)
            case .slotFreed: state.pool.connectionClosed()
            }
            switch action {
            case .handOver(_, let waiter), .letCreate(let waiter):
                return (action, state.continuations.removeValue(forKey: waiter))
            case .none, .close:
                return (action, nil)
            }
        }
        switch action {
        case .none:
            break
        case .close(let box):
            close([box])
        case .handOver(let box, _):
            resume(continuation, with: .connection(box))
        case .letCreate:
            resume(continuation, with: .create)
        }
    }

    private func resume(_ continuation: CheckedContinuation<Grant, any Error>?, with grant: Grant) {
        // A queued waiter always has its continuation registered (see `enqueue`).
        guard let continuation else { preconditionFailure("the pool named a waiter that has no continuation") }
        continuation.resume(returning: grant)
    }

    private func close(_ boxes: [ConnectionBox]) {
        // Releasing the last reference runs `PQfinish`, which only writes a Terminate message.
        _ = consume boxes
    }
}

/// Carries a connection between the pool's bookkeeping and the one pool thread that uses it.
///
/// `@unchecked Sendable` is safe because ownership is exclusive: a box is either in the pool's idle list
/// (touched only under the pool's mutex) or held by exactly one `withConnection` call, which uses the
/// connection only inside one thread-pool work item and reads it again only after that item completed.
/// Hand-overs go through the mutex or the work item's completion, both of which order memory.
final class ConnectionBox: @unchecked Sendable {
    let connection: PostgresConnection
    init(_ connection: PostgresConnection) { self.connection = connection }
}
