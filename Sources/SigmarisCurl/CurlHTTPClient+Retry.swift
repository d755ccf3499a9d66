import Logging

extension CurlHTTPClient {
    /// Sends `request`, retrying per `policy` with a sleep between attempts.
    ///
    /// Returns the last response when retries run out on a retryable status
    /// (the caller still sees e.g. the final 503); throws the last error when
    /// they run out on a retryable failure. Cancellation during a backoff
    /// sleep throws `cancelled`.
    public func send(
        _ request: HTTPRequest,
        retry policy: RetryPolicy,
        logger: Logger
    ) async throws(OutboundHTTPError) -> HTTPResponse {
        do {
            return try await sendRetrying(
                request, policy: policy, logger: logger,
                isRetryable: { error in
                    // A connect failure means the request never left: always safe.
                    policy.shouldRetry(error: error)
                        && (error.code == .couldNotConnect || policy.mayResend(request.method))
                },
                onRetry: { attempt, delay in
                    logger.debug(
                        "retrying outbound HTTP request",
                        metadata: [
                            "http.method": "\(request.method.rawValue)",
                            "http.attempt": "\(attempt)",
                            "http.retry_delay_ms": "\(Int((delay / .milliseconds(1)).rounded()))",
                        ]
                    )
                }
            ).response
        } catch {
            throw error.error
        }
    }

    /// The one retry loop of outbound HTTP, shared by every caller that retries.
    ///
    /// Sends `request`; after a status the policy retries (429, 5xx) for a method it may re-send,
    /// or after a failure `isRetryable` accepts, waits the policy's delay (or the server's
    /// `Retry-After`, within the policy's bound) and sends again, until the policy has no attempt
    /// left. What is worth retrying after a failure is the caller's decision: a model call, for
    /// one, must not repeat a send that already used up its whole timeout.
    ///
    /// - Parameters:
    ///   - isRetryable: whether a failed send may be repeated; the policy still decides whether an
    ///     attempt remains and how long to wait.
    ///   - onRetry: called before each wait with the attempt that just ended and the delay (the
    ///     caller's log line).
    /// - Returns: the last response (still a retryable status when attempts ran out) and the
    ///   number of sends.
    public func sendRetrying(
        _ request: HTTPRequest,
        policy: RetryPolicy,
        logger: Logger,
        isRetryable: (OutboundHTTPError) -> Bool,
        onRetry: (_ attempt: Int, _ delay: Duration) -> Void
    ) async throws(RetriedSendFailure) -> (response: HTTPResponse, attempts: Int) {
        var attempt = 1
        while true {
            let delay: Duration
            do {
                let response = try await send(request, attempt: attempt, logger: logger)
                guard
                    policy.shouldRetry(status: response.status),
                    policy.mayResend(request.method),
                    let next = policy.delay(afterAttempt: attempt, retryAfter: response.headerValue("retry-after"))
                else { return (response, attempt) }
                delay = next
            } catch {
                guard isRetryable(error), let next = policy.delay(afterAttempt: attempt) else {
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
