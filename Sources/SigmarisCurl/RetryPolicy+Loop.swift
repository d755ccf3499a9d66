extension RetryPolicy {
    /// The one retry loop of outbound HTTP, shared by every caller that sends (buffered sends and
    /// opened streams alike, retried or sent once).
    ///
    /// Runs `attempt`; after an outcome whose status the policy retries (429, 5xx) for a method it
    /// may re-send, or after a failure `isRetryable` accepts, waits the policy's delay (or the
    /// server's `Retry-After`, within the policy's bound) and runs it again, until the policy has
    /// no attempt left or the next one could not start before `request.deadline` (one deadline for
    /// the whole call: a retry never buys more time than the caller gave).
    ///
    /// With a `place` at an `OutboundGate`, every attempt asks the gate's circuit breaker first and
    /// reports what it found; an attempt the breaker refuses ends the loop with `unavailable`.
    ///
    /// - Parameters:
    ///   - request: what the attempts send (its method decides whether a status may be retried).
    ///   - place: the call's place at its upstream's gate (the caller holds it until it has read
    ///     the response, which for a stream is after this returns); nil for an ungated upstream.
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
        holding place: OutboundGate.Place? = nil,
        isRetryable: (OutboundHTTPError) -> Bool,
        onRetry: (_ attempt: Int, _ delay: Duration) -> Void,
        status: (Outcome) -> (code: Int, retryAfter: String?),
        attempt send: (_ attempt: Int) async throws(OutboundHTTPError) -> Outcome
    ) async throws(RetriedSendFailure) -> (outcome: Outcome, attempts: Int) {
        var attempt = 1
        while true {
            let delay: Duration
            do {
                let outcome: Outcome
                if let place {
                    outcome = try await place.attempt(status: { status($0).code }) { () async throws(OutboundHTTPError) -> Outcome in
                        try await send(attempt)
                    }
                } else {
                    outcome = try await send(attempt)
                }
                let (code, retryAfter) = status(outcome)
                guard
                    shouldRetry(status: code),
                    mayResend(request.method),
                    let next = self.delay(afterAttempt: attempt, retryAfter: retryAfter),
                    Self.fits(next, before: request.deadline)
                else { return (outcome, attempt) }
                delay = next
            } catch {
                guard
                    isRetryable(error),
                    let next = self.delay(afterAttempt: attempt),
                    Self.fits(next, before: request.deadline)
                else {
                    // A refusal of the gate was not sent: it is not an attempt.
                    throw RetriedSendFailure(error: error, attempts: error.isRefusal ? attempt - 1 : attempt, cancelledWhileWaiting: false)
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

    /// Whether an attempt started after waiting `delay` would still start before `deadline`.
    static func fits(_ delay: Duration, before deadline: ContinuousClock.Instant?) -> Bool {
        guard let deadline else { return true }
        return ContinuousClock.now + delay < deadline
    }
}
