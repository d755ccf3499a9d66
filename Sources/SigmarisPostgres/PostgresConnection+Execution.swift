import CLibPQ
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How a statement is sent and its result awaited: libpq's asynchronous calls and `poll`, so the pool
/// thread that waits can keep the statement's deadline and notice a cancelled task
/// (`StatementDeadline`), where `PQexec` would block for as long as the server takes.
extension PostgresConnection {
    /// Sends one statement with `send` (a `PQsend…` call) and returns its result: the last one, or
    /// the first error, when a script of several statements answers several.
    ///
    /// Nothing is sent for a cancelled task, or on a connection already known to be dead; then the
    /// statement provably did not run. `executes: false` for a Prepare, which runs nothing.
    func run(executes: Bool = true, _ send: (OpaquePointer) -> Int32) throws(PostgresError) -> PostgresRows {
        if honoursCancellation, cancelSignal?.isCancelled == true {
            throw PostgresError(.cancelled, detail: "task cancelled before the statement was sent")
        }
        guard isHealthy else { throw connectionError() }
        if executes { statementsSent += 1 }
        guard send(handle) == 1 else { throw connectionError() }
        var deadline = StatementDeadline(start: .now, timeout: statementTimeout)
        var rows: PostgresRows?
        var failure: PostgresError?
        while true {
            try awaitResult(&deadline)
            guard let result = PQgetResult(handle) else { break }
            do {
                rows = try consume(result)
            } catch {
                if failure == nil { failure = error }
            }
        }
        if let failure {
            // The server's answer to our cancel request for a cancelled task.
            if failure.sqlState == "57014", deadline.cancelled?.reason == .task {
                throw PostgresError(.cancelled, sqlState: "57014", detail: "statement cancelled with its task")
            }
            throw failure
        }
        guard let rows else { throw connectionError() }
        return rows
    }

    /// Before a lease's first statement: an idle connection has nothing to read unless the server is
    /// ending it (a FATAL "terminating connection" on shutdown or `pg_terminate_backend`, then the end
    /// of the stream). Such a connection is given up here, before anything is sent, so the work may
    /// run on another one without any doubt about what ran.
    func verifyIdle() throws(PostgresError) {
        guard isHealthy else { throw connectionError() }
        guard Self.waitReadable(PQsocket(handle), for: .zero) == .timedOut else {
            isAbandoned = true
            throw PostgresError(.connectionLost, detail: "the server ended the connection while it was idle")
        }
    }

    /// Waits until `PQgetResult` will not block, keeping the statement's deadline on the way.
    private func awaitResult(_ deadline: inout StatementDeadline) throws(PostgresError) {
        while PQisBusy(handle) == 1 {
            // Broken: `PQgetResult` reports why without blocking.
            guard PQstatus(handle) == CONNECTION_OK else { return }
            let taskCancelled = honoursCancellation && cancelSignal?.isCancelled == true
            let slice: Duration
            switch deadline.step(now: .now, taskCancelled: taskCancelled) {
            case .wait(let duration):
                slice = duration
            case .cancel:
                sendCancelRequest()
                continue
            case .giveUp(let reason):
                // The server did not answer the cancel request in time (unreachable, or stuck): the
                // connection is closed, and with it the server's session once it notices.
                isAbandoned = true
                switch reason {
                case .task: throw PostgresError(.cancelled, detail: "no answer to the cancel request; connection closed")
                case .timeout: throw PostgresError(.statementTimedOut, detail: "no answer within the statement timeout; connection closed")
                }
            }
            switch Self.waitReadable(PQsocket(handle), for: slice) {
            case .readable:
                // 0: the connection failed; `PQgetResult` says how.
                if PQconsumeInput(handle) == 0 { return }
            case .timedOut:
                continue
            case .failed:
                isAbandoned = true
                throw PostgresError(.connectionLost, detail: "waiting for the server's answer failed")
            }
        }
    }

    private func sendCancelRequest() {
        sentCancelRequest = true
        guard let request = CancelRequest(for: handle) else { return }
        if let cancelSender {
            cancelSender(request)
        } else {
            request.send()
        }
    }

    enum SocketWait: Equatable { case readable, timedOut, failed }

    /// `poll` for input on `socket`; readable also when the peer closed or the socket failed, which
    /// `PQconsumeInput` then finds out.
    static func waitReadable(_ socket: Int32, for duration: Duration) -> SocketWait {
        guard socket >= 0 else { return .failed }
        var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
        // Rounded up, so a wait of a fraction of a millisecond does not spin.
        let milliseconds = duration <= .zero ? 0 : Int32(clamping: TransactionStart.milliseconds(duration))
        let ready = poll(&descriptor, 1, milliseconds)
        if ready > 0 { return .readable }
        if ready == 0 || errno == EINTR { return .timedOut }
        return .failed
    }
}
