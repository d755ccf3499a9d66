/// Why the retry loop gave up: the last send's failure and how many sends it took.
public struct RetriedSendFailure: Error, Sendable {
    /// The last failure; `cancelled` when the wait before a further attempt was cancelled, `busy`
    /// or `unavailable` when the upstream's gate refused the call (or, for `unavailable`, a retry).
    public let error: OutboundHTTPError
    /// How many times the request was sent.
    public let attempts: Int
    /// True when the task was cancelled while waiting between attempts (no send failed that way).
    public let cancelledWhileWaiting: Bool

    public init(error: OutboundHTTPError, attempts: Int, cancelledWhileWaiting: Bool) {
        self.error = error
        self.attempts = attempts
        self.cancelledWhileWaiting = cancelledWhileWaiting
    }
}
