/// What every turn passes before it runs, on both turn routes, streamed or not: a place among the
/// turns in flight in this process (`SIGMARIS_MAX_TURNS_IN_FLIGHT`, 503 `busy`), then the user's
/// rate (`TurnRateLimiter`, 429 `rate_limited`).
///
/// The place comes first so that a turn refused because the server is full does not also spend the
/// user's rate; a turn refused by the rate gives its place back at once. The caller holds the lease
/// until the turn ends: a JSON turn until it returns, a streamed one until its stream ends
/// (`TurnEventStream`). Turns waiting in a user's queue (`UserTurnLock`) count as in flight: each
/// holds a connection and a task as much as a running one.
struct TurnAdmission: Sendable {
    let inFlight: InFlightLimit
    let rateLimiter: TurnRateLimiter

    /// 0 for no cap is the rate limiter's convention too.
    init(maxTurnsInFlight: Int, rateLimiter: TurnRateLimiter) {
        // A turn takes seconds (a model call): one second is a fair first wait.
        self.inFlight = InFlightLimit(work: "turns", maxTotal: maxTurnsInFlight, retryAfterSeconds: 1)
        self.rateLimiter = rateLimiter
    }

    func admit(_ userID: String) throws(APIError) -> InFlightLease {
        let lease = try inFlight.acquire(userID)
        do {
            try rateLimiter.admit(userID)
        } catch {
            lease.release()
            throw error
        }
        return lease
    }
}
