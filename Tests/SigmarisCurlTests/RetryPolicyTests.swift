import SigmarisTestSupport
import SigmarisCurl
import Testing

/// RetryPolicy is pure: these tests need no network and no clock.
@Suite("RetryPolicy")
struct RetryPolicyTests {
    let policy = RetryPolicy(
        maxAttempts: 4,
        baseBackoff: .milliseconds(200),
        multiplier: 2,
        maxBackoff: .seconds(1),
        maxRetryAfter: .seconds(10),
        jitter: .none
    )

    @Test("Defaults: 3 attempts, 200 ms base")
    func defaults() {
        let policy = RetryPolicy()
        #expect(policy.maxAttempts == 3)
        #expect(policy.baseBackoff == .milliseconds(200))
        #expect(!policy.retriesNonIdempotentRequests)
    }

    @Test("429 and 5xx are retryable; everything else is not")
    func statuses() {
        for status in [429, 500, 502, 503, 504, 599] {
            #expect(policy.shouldRetry(status: status), "\(status)")
        }
        for status in [200, 201, 204, 301, 304, 400, 401, 403, 404, 409, 422, 428, 600] {
            #expect(!policy.shouldRetry(status: status), "\(status)")
        }
    }

    @Test("Only connect failures and timeouts are retryable errors")
    func errors() {
        let retryable: [OutboundHTTPError.Code] = [.couldNotConnect, .timedOut]
        let fatal: [OutboundHTTPError.Code] = [.invalidURL, .invalidRequest, .tls, .responseTooLarge, .cancelled, .transport, .shutdown]
        for code in retryable {
            #expect(policy.shouldRetry(error: OutboundHTTPError(code: code)))
        }
        for code in fatal {
            #expect(!policy.shouldRetry(error: OutboundHTTPError(code: code)))
        }
    }

    @Test("Backoff grows geometrically and is capped")
    func backoff() {
        #expect(policy.backoff(afterAttempt: 1) == .milliseconds(200))
        #expect(policy.backoff(afterAttempt: 2) == .milliseconds(400))
        #expect(policy.backoff(afterAttempt: 3) == .milliseconds(800))
        #expect(policy.backoff(afterAttempt: 4) == .seconds(1))
        #expect(policy.backoff(afterAttempt: 60) == .seconds(1), "no overflow for huge attempt numbers")
    }

    @Test("No delay once attempts are exhausted")
    func exhausted() {
        #expect(policy.delay(afterAttempt: 3) == .milliseconds(800))
        #expect(policy.delay(afterAttempt: 4) == nil)
        #expect(RetryPolicy.none.delay(afterAttempt: 1) == nil)
    }

    @Test("Retry-After seconds replace the backoff, within the bound")
    func retryAfter() {
        #expect(policy.delay(afterAttempt: 1, retryAfter: "3") == .seconds(3))
        #expect(policy.delay(afterAttempt: 1, retryAfter: "0") == .zero)
        #expect(policy.delay(afterAttempt: 1, retryAfter: "10") == .seconds(10))
        #expect(policy.delay(afterAttempt: 1, retryAfter: "11") == nil, "asks for longer than we wait: give up")
        #expect(policy.delay(afterAttempt: 1, retryAfter: "99999999999999999999999") == nil)
        // Unusable values fall back to the computed backoff.
        #expect(policy.delay(afterAttempt: 1, retryAfter: "Wed, 21 Oct 2015 07:28:00 GMT") == .milliseconds(200))
        #expect(policy.delay(afterAttempt: 1, retryAfter: "-5") == .milliseconds(200))
        #expect(policy.delay(afterAttempt: 1, retryAfter: "") == .milliseconds(200))
        #expect(policy.delay(afterAttempt: 4, retryAfter: "1") == nil, "attempts still bound retries")
    }

    @Test("Retry-After parsing accepts only delta-seconds")
    func retryAfterParsing() {
        #expect(RetryPolicy.retryAfterDelay("120") == .seconds(120))
        #expect(RetryPolicy.retryAfterDelay(" 7 ") == .seconds(7))
        #expect(RetryPolicy.retryAfterDelay("1.5") == nil)
        #expect(RetryPolicy.retryAfterDelay("abc") == nil)
        #expect(RetryPolicy.retryAfterDelay("Fri, 31 Dec 1999 23:59:59 GMT") == nil)
    }

    @Test("Jitter is applied through the injected closure and kept within bounds")
    func jitter() {
        var halved = policy
        halved.jitter = .init { $0 / 2 }
        #expect(halved.backoff(afterAttempt: 2) == .milliseconds(200))

        var wild = policy
        wild.jitter = .init { $0 * 100 }
        #expect(wild.backoff(afterAttempt: 1) == .seconds(1), "capped at maxBackoff")

        var negative = policy
        negative.jitter = .init { _ in .seconds(-5) }
        #expect(negative.backoff(afterAttempt: 1) == .zero)

        var equal = policy
        equal.jitter = .equal
        for _ in 0..<100 {
            let delay = equal.backoff(afterAttempt: 2)
            #expect(delay >= .milliseconds(200) && delay <= .milliseconds(400))
        }
    }

    @Test("Only idempotent methods are re-sent unless opted in")
    func idempotency() {
        for method in [HTTPMethod.get, .head, .put, .delete, .options] {
            #expect(policy.mayResend(method))
        }
        #expect(!policy.mayResend(.post))
        #expect(!policy.mayResend(.patch))
        var optedIn = policy
        optedIn.retriesNonIdempotentRequests = true
        #expect(optedIn.mayResend(.post))
    }
}
