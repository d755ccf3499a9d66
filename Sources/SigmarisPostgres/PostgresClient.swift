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
    /// Who gets which connection, and the requests waiting for one (`ConnectionLeases`: no I/O).
    private let leases: ConnectionLeases<ConnectionBox>
    /// Threads start with the first connection, so a client that is built and dropped (a failing
    /// `AppServices.init`, a `migrate` that never gets that far) leaves no thread behind. Under a
    /// lock, so a second lease cannot use the threads before the first has started them, and a
    /// lease that got its slot just before `shutdown` cannot start them again afterwards.
    private let threads = Mutex(ThreadsPhase.notStarted)

    private enum ThreadsPhase { case notStarted, started, stopped }
    private let logger: Logger
    /// Told how long each lease took (a connection, or the error when none came), for metrics.
    private let leaseObserver: (@Sendable (Duration) -> Void)?

    public init(configuration: PostgresConfiguration, logger: Logger, leaseObserver: (@Sendable (Duration) -> Void)? = nil) {
        self.configuration = configuration
        self.logger = logger
        self.leaseObserver = leaseObserver
        self.threadPool = NIOThreadPool(numberOfThreads: configuration.poolSize)
        self.leases = ConnectionLeases(maxConnections: configuration.poolSize)
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
    /// BEGIN sets the statement timeout for the transaction, and `settings` (`TransactionStart`). A
    /// connection that breaks before COMMIT is sent leaves nothing behind, so the transaction runs again on a new
    /// connection (`body` must only touch the database); so does one the server rolled back as a
    /// deadlock victim or a serialization failure. One that breaks while COMMIT is on its way leaves
    /// the outcome unknown: that is never retried, and fails as `commitOutcomeUnknown`.
    public func withTransaction<T: Sendable>(
        settings: [TransactionSetting] = [],
        _ body: @escaping @Sendable (PostgresConnection) throws -> T
    ) async throws -> T {
        try await withConnection(replay: .whenConnectionBreaks) { connection in
            try connection.begin(settings: settings)
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
    }

    public var usage: Usage {
        let counts = leases.counts
        return Usage(inUse: counts.leased, idle: counts.idle, waiters: counts.waiting, size: configuration.poolSize)
    }

    // MARK: Lifecycle

    public func run() async throws {
        try? await gracefulShutdown()
        await shutdown()
    }

    /// Closes idle connections, fails waiters and stops the threads. Leased connections close on return.
    /// Call it once, after the last use; `run()` calls it on graceful shutdown.
    public func shutdown() async {
        close(leases.shutdown())
        threads.withLock { $0 = .stopped }
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
    ///
    /// The deadline bounds the wait even if a slot were ever lost: a request then fails with a 503
    /// instead of hanging. A grant that arrives while the deadline passes is used, never dropped.
    private func lease(until deadline: ContinuousClock.Instant) async throws -> ConnectionBox {
        let start = ContinuousClock.now
        defer { leaseObserver?(ContinuousClock.now - start) }
        let grant: ConnectionLeases<ConnectionBox>.Grant
        do throws(ConnectionLeases<ConnectionBox>.Failure) {
            grant = try await leases.lease(until: deadline)
        } catch .shutDown {
            throw PostgresError(.clientClosed)
        } catch .cancelled {
            throw CancellationError()
        } catch .timedOut {
            logger.warning("no database connection became free in time", metadata: [
                "sigmaris.lease_timeout": "\(configuration.leaseTimeout)", "sigmaris.pool_size": "\(configuration.poolSize)",
            ])
            throw PostgresError(.leaseTimedOut)
        }
        switch grant {
        case .use(let box):
            return box
        case .create:
            startThreads()
            return try await open(until: deadline)
        }
    }

    /// After `shutdown` this starts nothing: the new connection's work then finds no running
    /// thread, and `open` gives the slot back.
    private func startThreads() {
        threads.withLock { phase in
            guard case .notStarted = phase else { return }
            threadPool.start()
            cancelThreads.start()
            phase = .started
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

    private func giveBack(_ box: ConnectionBox) {
        if let closed = leases.checkin(box) { close([closed]) }
    }

    /// Closes a connection that is not fit for another lease.
    private func discard(_ box: ConnectionBox, brokeUnderUse: Bool) {
        if brokeUnderUse {
            // Its siblings are most likely dead too (a restart kills every socket): drop the idle ones.
            close(leases.drainIdle())
        }
        close([box])
        slotFreed()
    }

    private func slotFreed() {
        leases.slotFreed()
    }

    private func close(_ boxes: [ConnectionBox]) {
        // Releasing the last reference runs `PQfinish`, which only writes a Terminate message.
        _ = consume boxes
    }
}

/// Carries a connection between the pool's bookkeeping and the one pool thread that uses it.
///
/// `@unchecked Sendable` is safe because ownership is exclusive: a box is either in the pool's idle list
/// (touched only under the lock of `ConnectionLeases`' queue) or held by exactly one `withConnection` call, which uses the
/// connection only inside one thread-pool work item and reads it again only after that item completed.
/// Hand-overs go through the mutex or the work item's completion, both of which order memory.
final class ConnectionBox: @unchecked Sendable {
    let connection: PostgresConnection
    init(_ connection: PostgresConnection) { self.connection = connection }
}
