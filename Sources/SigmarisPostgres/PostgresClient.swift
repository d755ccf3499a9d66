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
    private let state: Mutex<PoolState>
    private let logger: Logger

    private struct PoolState: ~Copyable {
        var pool: ConnectionPoolState<ConnectionBox>
        var continuations: [Int: CheckedContinuation<Grant, any Error>] = [:]
        /// Grants that arrived before their waiter registered its continuation.
        var parkedGrants: [Int: Grant] = [:]
        var nextWaiter = 0
    }

    private enum Grant: Sendable {
        case connection(ConnectionBox)
        case create
    }

    public init(configuration: PostgresConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        self.threadPool = NIOThreadPool(numberOfThreads: configuration.poolSize)
        self.threadPool.start()
        self.state = Mutex(PoolState(pool: ConnectionPoolState(maxConnections: configuration.poolSize)))
    }

    // MARK: Running work

    /// Runs `body` with a connection on a pool thread.
    ///
    /// If the connection turns out to be dead on its first statement (a server restart since its last
    /// use), the server has seen nothing, so the work is retried once on a fresh connection.
    /// `body` must therefore have no side effects outside the database. A transaction left open by
    /// `body` is rolled back before the connection goes back to the pool.
    public func withConnection<T: Sendable>(
        _ body: @escaping @Sendable (PostgresConnection) throws -> T
    ) async throws -> T {
        var attempt = 0
        while true {
            attempt += 1
            let box = try await lease()
            let outcome: Result<T, any Error>
            do {
                outcome = .success(try await threadPool.runIfActive {
                    let connection = box.connection
                    connection.statementsSent = 0
                    let result = Result { try body(connection) }
                    if connection.isHealthy, connection.isInTransaction {
                        _ = try? connection.query("ROLLBACK")
                    }
                    return try result.get()
                })
            } catch {
                outcome = .failure(error)
            }
            // The pool thread's work has completed; reading the connection here is ordered after it.
            let healthy = box.connection.isHealthy
            let replayable = box.connection.statementsSent <= 1
            if healthy {
                giveBack(box)
            } else {
                discard(box)
            }
            switch outcome {
            case .success(let value):
                return value
            case .failure(let error as PostgresError) where error.code == .connectionLost && replayable && attempt == 1:
                logger.info("postgres connection lost before use; retrying on a new connection")
                continue
            case .failure(let error):
                throw error
            }
        }
    }

    /// Runs `body` inside `BEGIN … COMMIT`; any error thrown by `body` (or by the database) rolls back.
    public func withTransaction<T: Sendable>(
        _ body: @escaping @Sendable (PostgresConnection) throws -> T
    ) async throws -> T {
        try await withConnection { connection in
            try connection.query("BEGIN")
            let value: T
            do {
                value = try body(connection)
            } catch {
                if connection.isHealthy { _ = try? connection.query("ROLLBACK") }
                throw error
            }
            guard !connection.isInFailedTransaction else {
                // `body` swallowed a statement error; COMMIT would silently roll back, so say so.
                _ = try? connection.query("ROLLBACK")
                throw PostgresError(.queryFailed, sqlState: "25P02", detail: "transaction was aborted by an earlier error")
            }
            try connection.query("COMMIT")
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

    // MARK: Lifecycle

    public func run() async throws {
        try? await gracefulShutdown()
        await shutdown()
    }

    /// Closes idle connections, fails waiters and stops the threads. Leased connections close on return.
    public func shutdown() async {
        let (idle, waiters) = state.withLock { state in
            let (idle, waiterIDs) = state.pool.shutdown()
            let waiters = waiterIDs.compactMap { state.continuations.removeValue(forKey: $0) }
            return (idle, waiters)
        }
        waiters.forEach { $0.resume(throwing: PostgresError(.clientClosed)) }
        close(idle)
        try? await threadPool.shutdownGracefully()
    }

    // MARK: Leasing

    private func lease() async throws -> ConnectionBox {
        switch try await grant() {
        case .connection(let box):
            return box
        case .create:
            do {
                let configuration = self.configuration
                return try await threadPool.runIfActive { ConnectionBox(try PostgresConnection(configuration: configuration)) }
            } catch {
                logger.warning("postgres connection failed", metadata: ["sigmaris.error": "\(error)"])
                slotFreed()
                throw (error as? PostgresError) ?? PostgresError(.clientClosed)
            }
        }
    }

    private func grant() async throws -> Grant {
        enum Immediate { case grant(Grant), wait(Int), fail }
        let immediate: Immediate = state.withLock { state in
            let waiter = state.nextWaiter
            state.nextWaiter += 1
            switch state.pool.checkout(waiter: waiter) {
            case .use(let box): return .grant(.connection(box))
            case .create: return .grant(.create)
            case .wait: return .wait(waiter)
            case .fail: return .fail
            }
        }
        switch immediate {
        case .grant(let grant): return grant
        case .fail: throw PostgresError(.clientClosed)
        case .wait(let waiter):
            // The waiter was queued under the lock above; the continuation is registered under the lock
            // below. A hand-over in between finds no continuation yet and parks the grant instead.
            return try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { continuation in
                    let parked: Result<Grant, any Error>? = state.withLock { state in
                        if let grant = state.parkedGrants.removeValue(forKey: waiter) { return .success(grant) }
                        // Cancelled (or shut down) before we got here: nobody will resume us later.
                        guard state.pool.waiters.contains(waiter) else { return .failure(CancellationError()) }
                        state.continuations[waiter] = continuation
                        return nil
                    }
                    if let parked { continuation.resume(with: parked) }
                }
            } onCancel: {
                let continuation: CheckedContinuation<Grant, any Error>? = state.withLock { state in
                    guard state.pool.cancel(waiter: waiter) else { return nil }
                    return state.continuations.removeValue(forKey: waiter)
                }
                continuation?.resume(throwing: CancellationError())
            }
        }
    }

    private func giveBack(_ box: ConnectionBox) {
        let action = state.withLock { $0.pool.checkin(box) }
        perform(action)
    }

    private func discard(_ box: ConnectionBox) {
        // Its siblings are most likely dead too (a restart kills every socket): drop the idle ones.
        let idle = state.withLock { $0.pool.drainIdle() }
        close(idle)
        slotFreed()
    }

    private func slotFreed() {
        let action = state.withLock { $0.pool.connectionClosed() }
        perform(action)
    }

    private func perform(_ action: ConnectionPoolState<ConnectionBox>.ReturnAction) {
        switch action {
        case .none:
            break
        case .close(let box):
            close([box])
        case .handOver(let box, let waiter):
            deliver(.connection(box), to: waiter)
        case .letCreate(let waiter):
            deliver(.create, to: waiter)
        }
    }

    private func deliver(_ grant: Grant, to waiter: Int) {
        let continuation = state.withLock { state in
            guard let continuation = state.continuations.removeValue(forKey: waiter) else {
                state.parkedGrants[waiter] = grant
                return nil as CheckedContinuation<Grant, any Error>?
            }
            return continuation
        }
        continuation?.resume(returning: grant)
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
