import Hummingbird
import NIOCore
import SigmarisAuth
import SigmarisCurl
import SigmarisStore

/// `GET /metrics`: everything recorded, in the Prometheus text format.
///
/// Public unless `SIGMARIS_METRICS_TOKEN` is set; then only a request with that bearer token gets
/// it (compared in constant time), anything else a 401. The figures carry no user data (see
/// `SigmarisMetrics`), but request rates and pool sizes are still nobody else's business.
struct MetricsController {
    let exposition: PrometheusExposition
    /// Its pool and recall cache (`SigmarisStore.usage`).
    let store: SigmarisStore
    /// The turns running or queued now (`TurnAdmission`).
    let turnsInFlight: InFlightLimit
    /// The outbound gates (provider, remote core): calls in flight and queued, breaker state.
    let gates: [OutboundGate]
    let token: String?

    func addRoutes(to router: Router<SigmarisRequestContext>) {
        router.get("metrics") { request, _ -> Response in
            if let token {
                let presented = try? BearerHeader.token(from: request.headers[.authorization])
                guard let presented, Self.constantTimeEquals(Array(presented.utf8), Array(token.utf8)) else {
                    throw APIError(
                        .unauthorized, "A valid metrics token is required", reason: "invalid_metrics_token",
                        headers: [.wwwAuthenticate: #"Bearer realm="metrics""#])
                }
            }
            // Gauges are read when asked for, so they are never stale.
            exposition.metrics.recordStoreUsage(store.usage)
            exposition.metrics.recordTurnsInFlight(turnsInFlight.inFlight)
            for gate in gates { exposition.metrics.recordGate(gate) }
            // A count in the database (the partial index of users needing attention). When it cannot
            // be read, the scrape still answers, with the last figures.
            if let counts = try? await store.attentionCounts() { exposition.metrics.recordAttention(counts) }
            return Response(
                status: .ok,
                headers: [.contentType: PrometheusExposition.contentType, .cacheControl: "no-store"],
                body: .init(byteBuffer: ByteBuffer(bytes: exposition.emit())))
        }
    }

    /// Looks at every byte of the longer input whatever matches, so the time taken tells nothing
    /// about how much of a guess was right (only, at most, its length).
    static func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference = UInt8(a.count == b.count ? 0 : 1)
        for index in 0..<max(a.count, b.count) {
            let x = index < a.count ? a[index] : 0
            let y = index < b.count ? b[index] : 0
            difference |= x ^ y
        }
        return difference == 0
    }
}
