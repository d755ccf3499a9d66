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
        var attempt = 1
        while true {
            let delay: Duration
            do {
                let response = try await send(request, attempt: attempt, logger: logger)
                guard
                    policy.shouldRetry(status: response.status),
                    policy.mayResend(request.method),
                    let next = policy.delay(afterAttempt: attempt, retryAfter: response.headerValue("retry-after"))
                else { return response }
                delay = next
            } catch {
                // A connect failure means the request never left: always safe.
                let resendable = error.code == .couldNotConnect || policy.mayResend(request.method)
                guard
                    policy.shouldRetry(error: error),
                    resendable,
                    let next = policy.delay(afterAttempt: attempt)
                else { throw error }
                delay = next
            }
            logger.debug(
                "retrying outbound HTTP request",
                metadata: [
                    "http.method": "\(request.method.rawValue)",
                    "http.attempt": "\(attempt)",
                    "http.retry_delay_ms": "\(Int((delay / .milliseconds(1)).rounded()))",
                ]
            )
            do {
                try await Task.sleep(for: delay)
            } catch {
                throw OutboundHTTPError(code: .cancelled, redactedURL: ParsedURL(request.url)?.redacted)
            }
            attempt += 1
        }
    }
}
