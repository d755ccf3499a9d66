import Synchronization

/// Whether the process is stopping, as `/readyz` tells load balancers: from SIGTERM on it answers
/// 503 `draining`, so they stop sending new requests before the listener closes (`DrainNotice`).
final class DrainState: Sendable {
    private struct State {
        var draining = false
        /// The last `/readyz`: something watching readiness probes it every few seconds.
        var lastProbe: ContinuousClock.Instant?
        /// `/readyz` answers given while draining.
        var drainingAnswers = 0
    }

    private let state = Mutex(State())

    var isDraining: Bool { state.withLock { $0.draining } }
    var drainingAnswersGiven: Int { state.withLock { $0.drainingAnswers } }

    /// True when `/readyz` was asked within `window` (a balancer's health checks, not a person's curl
    /// long ago).
    func probed(within window: Duration, now: ContinuousClock.Instant = .now) -> Bool {
        state.withLock { $0.lastProbe.map { now - $0 <= window } ?? false }
    }

    func startDraining() { state.withLock { $0.draining = true } }

    /// Called by `/readyz` for every answer; true when the answer is `draining`.
    func recordProbe(now: ContinuousClock.Instant = .now) -> Bool {
        state.withLock { state in
            state.lastProbe = now
            guard state.draining else { return false }
            state.drainingAnswers += 1
            return true
        }
    }
}
