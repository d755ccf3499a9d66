/// What every turn passes before it runs, on both turn routes, streamed or not: a place among the
/// turns in flight (`SIGMARIS_MAX_TURNS_IN_FLIGHT`, 503 `busy`; with shared limits also the user's
/// turns in flight across instances, 429 `too_many_queued_turns`), then the user's rate
/// (`TurnRateLimiter`, 429 `rate_limited`).
///
/// The place comes first so that a turn refused because the server is full does not also spend the
/// user's rate; a turn refused by the rate gives its place back at once. The caller holds the lease
/// until the turn ends: a JSON turn until it returns, a streamed one until its stream ends
/// (`TurnEventStream`). Turns waiting in a user's queue (`UserTurnLock`) count as in flight: each
/// holds a connection and a task as much as a running one.
struct TurnAdmission: Sendable {
    let inFlight: InFlightLimit
    let rateLimiter: TurnRateLimiter

    /// 0 for no cap is the rate limiter's convention too. With `shared`, the caps hold across every
    /// instance on the database: the turns in flight, and a user's turns in flight at most
    /// `maxQueuedTurns` + 1 (the running one and the ones waiting behind it, as `UserTurnLock` counts
    /// them in one process).
    init(maxTurnsInFlight: Int, rateLimiter: TurnRateLimiter, maxQueuedTurns: Int = 0, shared: SharedLeases? = nil) {
        // A turn takes seconds (a model call): one second is a fair first wait.
        self.inFlight = InFlightLimit(
            work: "turns", maxTotal: maxTurnsInFlight, retryAfterSeconds: 1,
            shared: shared.map {
                InFlightLimit.SharedCap(
                    leases: $0, kind: .turn, maxPerKey: maxQueuedTurns + 1, perKeyRefusal: UserTurnLock.queueFull(maxQueuedTurns))
            })
        self.rateLimiter = rateLimiter
    }

    func admit(_ userID: String) async throws -> InFlightLease {
        let lease = try await inFlight.admit(userID)
        do {
            try await rateLimiter.admitAcrossInstances(userID)
        } catch {
            await lease.releaseAndWait()
            throw error
        }
        return lease
    }
}
