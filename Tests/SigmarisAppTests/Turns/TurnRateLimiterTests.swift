@testable import SigmarisApp
import Testing

/// The per-user token bucket, on an injected clock.
@Suite("TurnRateLimiter")
struct TurnRateLimiterTests {
    let start = ContinuousClock.now

    @Test func aFullMinuteOfTurnsThenA429WithRetryAfter() throws {
        let limiter = TurnRateLimiter(turnsPerMinute: 3, now: start)
        for _ in 0..<3 { try limiter.admit("u", now: start) }
        #expect {
            try limiter.admit("u", now: start)
        } throws: { error in
            guard let error = error as? APIError else { return false }
            // One turn back every 20 s at 3 a minute.
            return error.status == .tooManyRequests && error.reason == "rate_limited" && error.headers[.retryAfter] == "20"
        }
        // Other users have their own bucket.
        try limiter.admit("other", now: start)
    }

    @Test func theBucketRefillsAtTheLimitPerMinute() throws {
        let limiter = TurnRateLimiter(turnsPerMinute: 6, now: start)
        for _ in 0..<6 { try limiter.admit("u", now: start) }
        #expect(throws: APIError.self) { try limiter.admit("u", now: start + .seconds(9)) }
        try limiter.admit("u", now: start + .seconds(10))
        #expect {
            try limiter.admit("u", now: start + .seconds(15))
        } throws: { ($0 as? APIError)?.headers[.retryAfter] == "5" }
        // Idle for long: full again, but never more than the limit.
        for _ in 0..<6 { try limiter.admit("u", now: start + .seconds(600)) }
        #expect(throws: APIError.self) { try limiter.admit("u", now: start + .seconds(600)) }
    }

    @Test func zeroTurnsTheLimitOff() throws {
        let limiter = TurnRateLimiter(turnsPerMinute: 0, now: start)
        for _ in 0..<1000 { try limiter.admit("u", now: start) }
        #expect(limiter.trackedUsers == 0)
    }

    @Test func idleUsersAreForgotten() throws {
        let limiter = TurnRateLimiter(turnsPerMinute: 10, now: start)
        for i in 0..<100 { try limiter.admit("user-\(i)", now: start) }
        #expect(limiter.trackedUsers == 100)
        try limiter.admit("late", now: start + .seconds(61))
        #expect(limiter.trackedUsers == 1)
    }
}
