import Logging
import ServiceLifecycle
import SigmarisCurl

/// Everything the service calls out through (LLM provider, JWKS, remote core): the one libcurl
/// client, whose one thread drives every transfer, and a gate per upstream the turns depend on,
/// stopped with the server.
///
/// No call holds a thread: a provider that accepts connections and never answers holds a socket per
/// call, until the call's deadline. What bounds the calls is each gate: at most
/// `SIGMARIS_PROVIDER_CONCURRENCY` in flight to the upstream, `SIGMARIS_PROVIDER_QUEUE` waiting for a
/// place, and a circuit breaker that fails calls fast while the upstream is down. JWKS fetches go
/// ungated: they are rare, cached, and bounded by their own time limit.
///
/// The client's thread starts with the first transfer, so building this costs nothing.
final class OutboundHTTP: Service, Sendable {
    let client: CurlHTTPClient
    /// Every call to the LLM provider (embeddings and replies) takes a place here.
    let providerGate: OutboundGate
    /// Every call to the remote core (`SIGMARIS_CORE_URL`) takes a place here; nil without one.
    let coreGate: OutboundGate?

    init(configuration: SigmarisConfiguration, logger: Logger, metrics: SigmarisMetrics? = nil) {
        client = CurlHTTPClient()
        let settings = OutboundGate.Settings(
            maxInFlight: configuration.providerConcurrency,
            maxQueued: configuration.providerQueue,
            breaker: .init(
                failureThreshold: configuration.providerBreakerFailures,
                coolDown: .seconds(configuration.providerBreakerCooldownSeconds)))
        func gate(_ upstream: String) -> OutboundGate {
            OutboundGate(upstream: upstream, settings: settings, logger: logger, onRefusal: metrics?.refusalObserver(upstream: upstream))
        }
        providerGate = gate("provider")
        coreGate = configuration.coreURL == nil ? nil : gate("core")
        for gate in gates { metrics?.recordGate(gate) }
    }

    var gates: [OutboundGate] { [providerGate] + (coreGate.map { [$0] } ?? []) }

    func run() async throws {
        try? await gracefulShutdown()
        await client.shutdown()
    }
}
