import Prometheus

/// The application's own Prometheus registry and the swift-metrics factory that records into it.
///
/// Each `AppServices` makes one, so every application (every test) counts on its own; nothing is
/// registered process-wide (see `SigmarisMetrics`).
struct PrometheusExposition: Sendable {
    let registry: PrometheusCollectorRegistry
    let metrics: SigmarisMetrics

    /// The Prometheus text exposition format's content type.
    static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    init() {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        // HTTP requests keep the library's default buckets (5 ms … 10 s). A model answers in
        // seconds and may take up to its 60 s timeout; a pooled connection comes in micro- to
        // milliseconds unless the pool is exhausted (then up to DATABASE_POOL_TIMEOUT).
        factory.durationHistogramBuckets = [
            SigmarisMetrics.Name.providerCallDuration: [
                .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
                .milliseconds(2500), .seconds(5), .seconds(10), .seconds(30), .seconds(60),
            ],
            SigmarisMetrics.Name.poolWait: [
                .microseconds(100), .milliseconds(1), .milliseconds(5), .milliseconds(25), .milliseconds(100),
                .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10),
            ],
        ]
        self.registry = registry
        self.metrics = SigmarisMetrics(factory: factory)
    }

    /// Everything recorded so far, in the text format.
    func emit() -> [UInt8] {
        registry.emitToBuffer()
    }
}
