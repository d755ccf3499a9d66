extension RetryPolicy {
    /// The one retry loop of outbound HTTP, shared by every caller that retries (buffered sends
    /// and opened streams alike).
    ///
    /// Runs `attempt`; after an outcome whose status the policy retries (429, 5xx) for a method it
    /// may re-send, or after a failure `isRetryable` accepts, waits the policy's delay (or the
    /// server's `Retry-After`, within the policy's bound) and runs it again, until the policy has
    /// no attempt left.
    ///
    /// - Parameters:
    ///   - request: what the attempts send (its method decides whether a status may be retried).
    ///   - isRetryable: whether a failed attempt may be repeated; the policy still decides whether
    ///     an attempt remains and how long to wait.
    ///   - onRetry: called before each wait with the attempt that just ended and the delay (the
    ///     caller's log line).
    ///   - status: an outcome's status and `Retry-After` value.
    ///   - attempt: one send, given its 1-based number.
    /// - Returns: the last outcome (still a retryable status when attempts ran out) and the number
    ///   of attempts.
    public func retrying<Outcome>(
        _ request: HTTPRequest,
        isRetryable: (OutboundHTTPError) -> Bool,
        onRetry: (_ attempt: Int, _ delay: Duration) -> Void,
        status: (Outcome) -> (code: Int, retryAfter: String?),
        attempt send: (_ attempt: Int) async throws(OutboundHTTPError) -> Outcome
    ) async throws(RetriedSendFailure) -> (outcome: Outcome, attempts: Int) {
        var attempt = 1
        while true {
            let delay: Duration
            do {
                let outcome = try await send(attempt)
                let (code, retryAfter) = status(outcome)
                guard
                    shouldRetry(status: code),
                    mayResend(request.method),
                    let next = self.delay(afterAttempt: attempt, retryAfter: retryAfter)
                else { return (outcome, attempt) }
                delay = next
            } catch {
                guard isRetryable(error), let next = self.delay(afterAttempt: attempt) else {
                    throw RetriedSendFailure(error: error, attempts: attempt, cancelledWhileWaiting: false)
                }
                delay = next
            }
            onRetry(attempt, delay)
            do {
                try await Task.sleep(for: delay)
            } catch {
                throw RetriedSendFailure(
                    error: OutboundHTTPError(code: .cancelled, redactedURL: ParsedURL(request.url)?.redacted),
                    attempts: attempt,
                    cancelledWhileWaiting: true
                )
            }
            attempt += 1
        }
    }
}
