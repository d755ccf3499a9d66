import HTTPTypes
import Synchronization

/// How many turns one user may start per minute, on both turn routes together
/// (`SIGMARIS_RATE_LIMIT_PER_MINUTE`; 0 turns the limit off). Each turn may cost a model call.
///
/// A token bucket per user: it holds at most `turnsPerMinute` turns and refills at that many per
/// minute, so a user may send a short burst and then keep a steady pace. Past it the request is
/// refused with 429 (`rate_limited`) and a `Retry-After` of the seconds until the next turn is
/// allowed, before anything runs or is written.
///
/// The buckets live in this process's memory: with several instances behind a load balancer each
/// counts on its own, so a user may get up to the limit times the number of instances.
final class TurnRateLimiter: Sendable {
    private struct Bucket {
        var tokens: Double
        var updated: ContinuousClock.Instant
    }

    private struct Buckets {
        var byUser: [String: Bucket] = [:]
        var lastSweep: ContinuousClock.Instant
    }

    /// 0: no limit.
    let turnsPerMinute: Int
    private let guarded: Mutex<Buckets>

    init(turnsPerMinute: Int, now: ContinuousClock.Instant = .now) {
        self.turnsPerMinute = turnsPerMinute
        self.guarded = Mutex(Buckets(lastSweep: now))
    }

    /// Takes one turn from `userID`'s bucket, or throws the 429.
    func admit(_ userID: String, now: ContinuousClock.Instant = .now) throws(APIError) {
        guard turnsPerMinute > 0 else { return }
        let capacity = Double(turnsPerMinute)
        let perSecond = capacity / 60
        let waitSeconds = guarded.withLock { buckets -> Double? in
            Self.sweepFullBuckets(&buckets, now: now, capacity: capacity, perSecond: perSecond)
            var bucket = buckets.byUser[userID] ?? Bucket(tokens: capacity, updated: now)
            bucket.tokens = min(capacity, bucket.tokens + Self.seconds(now - bucket.updated) * perSecond)
            bucket.updated = now
            defer { buckets.byUser[userID] = bucket }
            guard bucket.tokens >= 1 else { return (1 - bucket.tokens) / perSecond }
            bucket.tokens -= 1
            return nil
        }
        if let waitSeconds {
            let retryAfter = max(1, Int(waitSeconds.rounded(.up)))
            throw APIError(
                .tooManyRequests, "Too many turns for this user (at most \(turnsPerMinute) a minute); retry in \(retryAfter) s",
                reason: "rate_limited", headers: [.retryAfter: "\(retryAfter)"])
        }
    }

    /// Users idle long enough to be full again need no bucket; forgetting them bounds the memory
    /// by the users seen within about a minute. Runs at most once a minute.
    private static func sweepFullBuckets(_ buckets: inout Buckets, now: ContinuousClock.Instant, capacity: Double, perSecond: Double) {
        guard now - buckets.lastSweep >= .seconds(60) else { return }
        buckets.lastSweep = now
        buckets.byUser = buckets.byUser.filter { _, bucket in
            bucket.tokens + seconds(now - bucket.updated) * perSecond < capacity
        }
    }

    /// Users with a bucket (for tests).
    var trackedUsers: Int { guarded.withLock { $0.byUser.count } }

    private static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
