import Synchronization

/// Whether the process is stopping, as `/readyz` tells load balancers: from SIGTERM on it answers
/// 503 `draining`, so they stop sending new requests before the listener closes (`DrainNotice`).
final class DrainState: Sendable {
    private let draining = Atomic<Bool>(false)
    /// Set by any `/readyz`: something watches readiness, so it is worth waiting for it to see the 503.
    private let probed = Atomic<Bool>(false)
    /// `/readyz` answers given while draining.
    private let drainingAnswers = Atomic<Int>(0)

    var isDraining: Bool { draining.load(ordering: .acquiring) }
    var wasProbed: Bool { probed.load(ordering: .acquiring) }
    var drainingAnswersGiven: Int { drainingAnswers.load(ordering: .acquiring) }

    func startDraining() { draining.store(true, ordering: .releasing) }

    /// Called by `/readyz` for every answer; true when the answer is `draining`.
    func recordProbe() -> Bool {
        probed.store(true, ordering: .releasing)
        guard isDraining else { return false }
        drainingAnswers.add(1, ordering: .acquiringAndReleasing)
        return true
    }
}
