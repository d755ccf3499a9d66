import HTTPTypes
import SigmarisStore
import Synchronization

/// How many turns one user may start per minute, on both turn routes together
/// (`SIGMARIS_RATE_LIMIT_PER_MINUTE`; 0 turns the limit off). Each turn may cost a model call.
///
/// A token bucket per user: it holds at most `turnsPerMinute` turns and refills at that many per
/// minute, so a user may send a short burst and then keep a steady pace. Past it the request is
/// refused with 429 (`rate_limited`) and a `Retry-After` of the seconds until the next turn is
/// allowed, before anything runs or is written.
///
/// With `shared` (the default of `serve`, `SIGMARIS_SHARED_LIMITS`), the bucket that decides is the
/// user's row in Postgres, which every instance takes from (`SigmarisStore.takeTurnToken`); the
/// bucket in this process's memory refuses first, without a round trip, because it only counts the
/// turns this process was granted and so never holds fewer turns than the shared one. Without it
/// each instance counts on its own.
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
    /// The store of the buckets every instance shares; nil: this process counts alone.
    let shared: SigmarisStore?
    private let guarded: Mutex<Buckets>

    init(turnsPerMinute: Int, shared: SigmarisStore? = nil, now: ContinuousClock.Instant = .now) {
        self.turnsPerMinute = turnsPerMinute
        self.shared = shared
        self.guarded = Mutex(Buckets(lastSweep: now))
    }

    /// `admit`, then the shared bucket; a turn the shared bucket refuses is given back to this
    /// process's bucket (it never ran).
    func admitAcrossInstances(_ userID: String) async throws {
        try admit(userID)
        guard let shared, turnsPerMinute > 0 else { return }
        let outcome: TurnTokenOutcome
        do {
            outcome = try await shared.takeTurnToken(userID: userID, turnsPerMinute: turnsPerMinute)
        } catch {
            giveBack(userID)
            throw error
        }
        if case .refused(let waitSeconds) = outcome {
            giveBack(userID)
            throw rateLimited(waitSeconds: waitSeconds)
        }
    }

    /// Returns a turn taken by `admit` that did not run.
    private func giveBack(_ userID: String) {
        let capacity = Double(turnsPerMinute)
        guarded.withLock { buckets in
            guard var bucket = buckets.byUser[userID] else { return }
            bucket.tokens = min(capacity, bucket.tokens + 1)
            buckets.byUser[userID] = bucket
        }
    }

    private func rateLimited(waitSeconds: Double) -> APIError {
        let retryAfter = max(1, Int(waitSeconds.rounded(.up)))
        return APIError(
            .tooManyRequests, "Too many turns for this user (at most \(turnsPerMinute) a minute); retry in \(retryAfter) s",
            reason: "rate_limited", headers: [.retryAfter: "\(retryAfter)"])
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
        if let waitSeconds { throw rateLimited(waitSeconds: waitSeconds) }
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
