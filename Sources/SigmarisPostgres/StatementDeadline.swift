/// When a statement still waiting for its result is cancelled, and when the client gives up on it.
///
/// A pure value (no clock of its own, no I/O): the connection asks it at each wake-up what to do, so
/// its rules are tested without a database or a timer.
///
/// - With a statement timeout, the client sends a cancel request `serverSlack` after it: inside a
///   transaction the server's own `statement_timeout` (`TransactionStart`) normally fires first and
///   answers a clean error; outside one (autocommit reads) this is the bound.
/// - A cancelled task sends the cancel request at once, unless the statement ignores cancellation
///   (COMMIT, whose outcome must be read, and the cleanup ROLLBACK).
/// - After a cancel request, the server has `cancelGrace` to answer; after that the connection is
///   closed and the statement fails. So no statement waits longer than timeout + slack + grace.
struct StatementDeadline {
    enum Reason: Equatable { case timeout, task }

    enum Step: Equatable {
        /// Wait for the server at most this long, then ask again.
        case wait(Duration)
        /// Send a cancel request now (then keep waiting).
        case cancel(Reason)
        /// Close the connection and fail the statement.
        case giveUp(Reason)
    }

    /// How long one wait may last, so a cancelled task is noticed within it.
    static let pollSlice = Duration.milliseconds(50)
    /// After the statement timeout, before the client cancels on its own.
    static let serverSlack = Duration.seconds(1)
    /// After a cancel request, before the connection is closed.
    static let cancelGrace = Duration.seconds(5)

    private let cancelAt: ContinuousClock.Instant?
    private(set) var cancelled: (reason: Reason, at: ContinuousClock.Instant)?

    init(start: ContinuousClock.Instant, timeout: Duration?) {
        cancelAt = timeout.map { start + $0 + Self.serverSlack }
    }

    mutating func step(now: ContinuousClock.Instant, taskCancelled: Bool) -> Step {
        if let cancelled {
            let giveUpAt = cancelled.at + Self.cancelGrace
            return now >= giveUpAt ? .giveUp(cancelled.reason) : .wait(min(Self.pollSlice, giveUpAt - now))
        }
        if taskCancelled {
            cancelled = (.task, now)
            return .cancel(.task)
        }
        guard let cancelAt else { return .wait(Self.pollSlice) }
        if now >= cancelAt {
            cancelled = (.timeout, now)
            return .cancel(.timeout)
        }
        return .wait(min(Self.pollSlice, cancelAt - now))
    }
}
