import Logging

extension CurlHTTPClient {
    /// Sends `request`, retrying per `policy` with a sleep between attempts, within
    /// `request.deadline` when it has one.
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

    /// Sends `request` through the one retry loop (``RetryPolicy/retrying(_:holding:isRetryable:onRetry:status:attempt:)``),
    /// each attempt through `place`'s gate when there is one.
    ///
    /// What is worth retrying after a failure is the caller's decision: a model call, for one,
    /// must not repeat a send that already used up its whole timeout.
    ///
    /// - Returns: the last response (still a retryable status when attempts ran out) and the
    ///   number of sends.
    public func sendRetrying(
        _ request: HTTPRequest,
        policy: RetryPolicy,
        holding place: OutboundGate.Place? = nil,
        logger: Logger,
        isRetryable: (OutboundHTTPError) -> Bool,
        onRetry: (_ attempt: Int, _ delay: Duration) -> Void
    ) async throws(RetriedSendFailure) -> (response: HTTPResponse, attempts: Int) {
        let result = try await policy.retrying(
            request, holding: place, isRetryable: isRetryable, onRetry: onRetry,
            status: { response in (response.status, response.headerValue("retry-after")) },
            attempt: { (attempt: Int) async throws(OutboundHTTPError) -> HTTPResponse in
                try await send(request, attempt: attempt, logger: logger)
            }
        )
        return (result.outcome, result.attempts)
    }
}
