import ServiceLifecycle

/// The first step of a graceful shutdown, before the HTTP server closes its listener: `/readyz`
/// answers 503 `draining`, and when something has probed `/readyz` within `probeWindow` (a load
/// balancer; Kubernetes probes every 10 s by default), the listener stays open until one more probe
/// has seen that answer, at most `maxNotice`, so new requests stop arriving before connections are
/// refused. A process nobody probes (`make run`) goes on at once. Then the server stops accepting, and the turns and streams in flight finish
/// (`SigmarisServer`, bounded by `SIGMARIS_DRAIN_TIMEOUT`).
struct DrainNotice: Service {
    let drain: DrainState
    /// A load balancer checking every few seconds sees the 503 within this.
    static let maxNotice = Duration.seconds(10)
    static let probeWindow = Duration.seconds(30)

    func run() async throws {
        // Runs until the graceful shutdown starts; a cancellation (the group failed) ends it too.
        try? await gracefulShutdown()
        drain.startDraining()
        guard drain.probed(within: Self.probeWindow) else { return }
        let deadline = ContinuousClock.now + Self.maxNotice
        while drain.drainingAnswersGiven == 0, ContinuousClock.now < deadline, !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(20))
        }
    }
}
