/// When and how long to wait before re-sending a request. Pure: every
/// decision is a function of its inputs (plus the injected ``Jitter``), so
/// it is unit-testable without a network or a clock.
public struct RetryPolicy: Sendable {
    /// Total attempts including the first; 1 disables retries.
    public var maxAttempts: Int
    /// Delay before the second attempt.
    public var baseBackoff: Duration
    /// Growth factor per further attempt.
    public var multiplier: Double
    /// Upper bound for computed backoff (after jitter).
    public var maxBackoff: Duration
    /// Longest `Retry-After` we are willing to wait. A server asking for more
    /// gets its response passed back to the caller instead: holding a request
    /// for minutes is worse than failing, and retrying sooner than asked only
    /// adds load to a server that said it is overloaded.
    public var maxRetryAfter: Duration
    /// Whether non-idempotent methods (POST, PATCH, ...) may be re-sent after
    /// the server may have seen them. Off by default: a retried POST can
    /// duplicate side effects. Connect failures are always retryable because
    /// nothing reached the server.
    public var retriesNonIdempotentRequests: Bool
    public var jitter: Jitter

    public init(
        maxAttempts: Int = 3,
        baseBackoff: Duration = .milliseconds(200),
        multiplier: Double = 2,
        maxBackoff: Duration = .seconds(5),
        maxRetryAfter: Duration = .seconds(30),
        retriesNonIdempotentRequests: Bool = false,
        jitter: Jitter = .equal
    ) {
        self.maxAttempts = maxAttempts
        self.baseBackoff = baseBackoff
        self.multiplier = multiplier
        self.maxBackoff = maxBackoff
        self.maxRetryAfter = maxRetryAfter
        self.retriesNonIdempotentRequests = retriesNonIdempotentRequests
        self.jitter = jitter
    }

    /// No retries at all.
    public static let none = RetryPolicy(maxAttempts: 1)

    /// 429 (rate limited) and 5xx (server-side, often transient).
    public func shouldRetry(status: Int) -> Bool {
        status == 429 || (500...599).contains(status)
    }

    /// Failures that say nothing about the request itself.
    public func shouldRetry(error: OutboundHTTPError) -> Bool {
        switch error.code {
        case .couldNotConnect, .timedOut:
            return true
        case .invalidURL, .invalidRequest, .tls, .responseTooLarge, .cancelled, .transport, .shutdown, .busy, .unavailable:
            return false
        }
    }

    /// Whether `method` may be re-sent after the server could have seen it.
    public func mayResend(_ method: HTTPMethod) -> Bool {
        retriesNonIdempotentRequests || Self.idempotentMethods.contains(method)
    }

    private static let idempotentMethods: Set<HTTPMethod> = [.get, .head, .put, .delete, .options]

    /// Backoff after attempt number `attempt` (1-based) failed, ignoring
    /// `Retry-After`: `base * multiplier^(attempt-1)`, jittered, capped.
    public func backoff(afterAttempt attempt: Int) -> Duration {
        let exponent = Double(max(0, attempt - 1))
        var seconds = baseBackoff.seconds * pow(multiplier, exponent)
        seconds = min(max(0, seconds), maxBackoff.seconds)
        let jittered = jitter.apply(Duration.seconds(seconds))
        return min(max(.zero, jittered), maxBackoff)
    }

    /// The delay before the next attempt, or `nil` if we should not retry:
    /// attempts exhausted, or the server's `Retry-After` exceeds
    /// ``maxRetryAfter``. A valid `Retry-After` replaces the computed backoff.
    public func delay(afterAttempt attempt: Int, retryAfter: String? = nil) -> Duration? {
        guard attempt < maxAttempts else { return nil }
        if let retryAfter, let requested = Self.retryAfterDelay(retryAfter) {
            return requested <= maxRetryAfter ? requested : nil
        }
        return backoff(afterAttempt: attempt)
    }

    /// Parses the delta-seconds form of `Retry-After` (RFC 9110 §10.2.3).
    /// The HTTP-date form is ignored (we fall back to backoff) because it
    /// needs a trustworthy wall clock and date parsing for little benefit.
    public static func retryAfterDelay(_ value: String) -> Duration? {
        let trimmed = value.trimmingHTTPWhitespace()
        guard !trimmed.isEmpty, trimmed.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
            return nil
        }
        // Absurdly long values overflow Int: treat them as "very long".
        return .seconds(Int(trimmed) ?? Int.max)
    }
}

extension RetryPolicy {
    /// Randomisation of backoff, so that many clients failing together do
    /// not retry in lockstep. A closure so tests can make it deterministic.
    public struct Jitter: Sendable {
        public let apply: @Sendable (Duration) -> Duration

        public init(_ apply: @escaping @Sendable (Duration) -> Duration) {
            self.apply = apply
        }

        /// Deterministic: the computed backoff unchanged.
        public static let none = Jitter { $0 }

        /// Uniform in `[d/2, d]`: keeps a minimum spacing while spreading retries.
        public static let equal = Jitter { duration in
            Duration.seconds(duration.seconds * Double.random(in: 0.5...1.0))
        }

        /// Uniform in `[0, d]` ("full jitter").
        public static let full = Jitter { duration in
            Duration.seconds(duration.seconds * Double.random(in: 0...1.0))
        }
    }
}

extension Duration {
    /// The duration as floating-point seconds (for backoff arithmetic).
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}

/// `pow` for non-negative integral exponents, without importing Foundation.
private func pow(_ base: Double, _ exponent: Double) -> Double {
    var result = 1.0
    var remaining = Int(exponent)
    while remaining > 0 {
        result *= base
        remaining -= 1
        if result.isInfinite { break }
    }
    return result
}
