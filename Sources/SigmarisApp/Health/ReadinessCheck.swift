import Synchronization

/// `/readyz`'s answer to "does the database answer?", probed at most once per `maxAge` however many
/// ask: anyone may call `/readyz` without a credential, and each probe takes a pooled connection
/// (waiting up to `DATABASE_POOL_TIMEOUT` for one when the pool is busy), so a flood of probes
/// must not become a flood of leases.
///
/// A result younger than `maxAge` is answered from memory. Otherwise the first caller runs the probe
/// in its own task and every caller that arrives meanwhile waits for that same result; the result is
/// then kept for `maxAge` from the moment it arrived (so two probes start at least `maxAge` apart).
/// A failure is kept like a success: a database that is down is not probed more often either.
final class ReadinessCheck: Sendable {
    typealias Probe = @Sendable () async -> Bool

    private struct State {
        var last: (ready: Bool, at: ContinuousClock.Instant)?
        /// Non-nil while a probe runs: the callers waiting for its result.
        var waiting: [CheckedContinuation<Bool?, Never>]?
    }

    static let defaultMaxAge = Duration.seconds(1)

    let maxAge: Duration
    private let probe: Probe
    private let now: @Sendable () -> ContinuousClock.Instant
    private let state = Mutex(State())

    /// - Parameter now: the clock results age by (a test's own, so no test depends on timing).
    init(maxAge: Duration = defaultMaxAge, now: @escaping @Sendable () -> ContinuousClock.Instant = { .now }, probe: @escaping Probe) {
        self.maxAge = maxAge
        self.now = now
        self.probe = probe
    }

    func isReady() async -> Bool {
        // nil: this caller runs the probe. Decided, and a waiter registered, in one critical section,
        // so no caller slips in between a probe's end and its waiters being handed the result.
        let known: Bool? = await withCheckedContinuation { (continuation: CheckedContinuation<Bool?, Never>) in
            enum Step { case answer(Bool), wait, probe }
            let step = state.withLock { state -> Step in
                if let last = state.last, now() - last.at < maxAge { return .answer(last.ready) }
                if state.waiting != nil {
                    state.waiting?.append(continuation)
                    return .wait
                }
                state.waiting = []
                return .probe
            }
            switch step {
            case .answer(let ready): continuation.resume(returning: ready)
            case .wait: break
            case .probe: continuation.resume(returning: nil)
            }
        }
        if let known { return known }
        return await runProbe()
    }

    private func runProbe() async -> Bool {
        let ready = await probe()
        // A probe cut short because its caller went away says nothing about the database: it is
        // handed to the waiters but not kept.
        let keep = !Task.isCancelled
        let waiters = state.withLock { state in
            if keep { state.last = (ready, now()) }
            defer { state.waiting = nil }
            return state.waiting ?? []
        }
        for waiter in waiters { waiter.resume(returning: ready) }
        return ready
    }

    /// Callers waiting for the running probe (for tests).
    var waitingCount: Int { state.withLock { $0.waiting?.count ?? 0 } }
}
