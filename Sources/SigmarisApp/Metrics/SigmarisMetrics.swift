import Metrics
import SigmarisCurl
import SigmarisEngine
import SigmarisStore

/// Every metric the service records, by name, with the only label values each may carry.
///
/// Recording goes through a swift-metrics `MetricsFactory` handed in by the application, never
/// through the process-wide `MetricsSystem`: that can be bootstrapped once per process only, and
/// tests build many applications in one process (in parallel), each of which must count on its own.
///
/// Cardinality is bounded by construction: every label value comes from a fixed set (a route
/// pattern registered in code, an HTTP method from a short list, a status code, an engine enum, an
/// outcome word). No label ever carries a user id, a session id, a path or any text of a message.
public struct SigmarisMetrics: Sendable {
    public enum Name {
        public static let httpRequests = "sigmaris_http_requests_total"
        public static let httpRequestDuration = "sigmaris_http_request_duration_seconds"
        public static let httpStreams = "sigmaris_http_streams_total"
        public static let turns = "sigmaris_turns_total"
        public static let turnsInFlight = "sigmaris_turns_in_flight"
        public static let providerCalls = "sigmaris_provider_calls_total"
        public static let providerErrors = "sigmaris_provider_errors_total"
        public static let providerCallDuration = "sigmaris_provider_call_duration_seconds"
        public static let providerTokens = "sigmaris_provider_tokens_total"
        public static let providerCancelled = "sigmaris_provider_calls_cancelled_total"
        public static let outboundInFlight = "sigmaris_outbound_calls_in_flight"
        public static let outboundQueued = "sigmaris_outbound_calls_queued"
        public static let outboundBreakerState = "sigmaris_outbound_breaker_state"
        public static let outboundRefusals = "sigmaris_outbound_refusals_total"
        public static let poolConnections = "sigmaris_db_pool_connections"
        public static let poolWaiters = "sigmaris_db_pool_waiters"
        public static let poolSize = "sigmaris_db_pool_size"
        public static let poolWait = "sigmaris_db_pool_wait_seconds"
        public static let recallCacheHits = "sigmaris_recall_cache_hits_total"
        public static let recallCacheMisses = "sigmaris_recall_cache_misses_total"
        public static let recallCacheEntries = "sigmaris_recall_cache_entries"
        public static let recallCacheBytes = "sigmaris_recall_cache_bytes"
        public static let jwksRefreshes = "sigmaris_jwks_refreshes_total"
        /// Users whose persona is in SAFETY_LOCK, and users under a hold (`silence`, by an operator
        /// or a policy), across the whole database: every instance exports the same figure.
        public static let usersInSafetyLock = "sigmaris_users_in_safety_lock"
        public static let usersSilenced = "sigmaris_users_silenced"
        public static let webhookDeliveries = "sigmaris_webhook_deliveries_total"
    }

    let factory: any MetricsFactory

    public init(factory: any MetricsFactory) {
        self.factory = factory
    }

    // MARK: HTTP

    /// `route` is the matched route pattern (see `HTTPMetricsMiddleware`), never the request's path;
    /// `duration` runs until the body ended. A streamed turn (`end` is `done`, `error` or `cancelled`)
    /// is also counted by that outcome.
    func recordRequest(route: String, method: String, status: Int, duration: Duration, end: ResponseEnd) {
        let dimensions = [("route", route), ("method", method), ("status", String(status))]
        Counter(label: Name.httpRequests, dimensions: dimensions, factory: factory).increment()
        CoreMetrics.Timer(label: Name.httpRequestDuration, dimensions: dimensions, factory: factory)
            .recordNanoseconds(duration.nanoseconds)
        switch end {
        case .done, .error, .cancelled:
            Counter(label: Name.httpStreams, dimensions: [("route", route), ("outcome", end.rawValue)], factory: factory).increment()
        case .complete, .failed, .abandoned:
            break
        }
    }

    // MARK: Turns

    /// One completed turn, by the global state it left the persona in and its safety flag.
    func recordTurn(globalState: GlobalState?, safetyFlag: SafetyFlag?) {
        Counter(label: Name.turns, dimensions: [
            ("global_state", globalState?.rawValue ?? "none"),
            ("safety_flag", safetyFlag?.rawValue ?? "none"),
        ], factory: factory).increment()
    }

    /// Turns running or waiting in a user's queue now, on both routes (set when `/metrics` is scraped).
    func recordTurnsInFlight(_ count: Int) {
        Gauge(label: Name.turnsInFlight, dimensions: [], factory: factory).record(count)
    }

    // MARK: Provider

    /// `provider` is the configured kind (`local`, `openai`), never a model name or URL.
    ///
    /// A call whose caller went away (`cancelled`: the client left) is counted and counted as
    /// cancelled, but neither as an error nor in the durations: it says nothing about the provider.
    func recordProviderCall(provider: String, operation: ProviderOperation, duration: Duration, error: (any Error)?) {
        let dimensions = [("provider", provider), ("operation", operation.rawValue)]
        Counter(label: Name.providerCalls, dimensions: dimensions, factory: factory).increment()
        if let error, Self.reason(error) == "cancelled" {
            Counter(label: Name.providerCancelled, dimensions: dimensions, factory: factory).increment()
            return
        }
        CoreMetrics.Timer(label: Name.providerCallDuration, dimensions: dimensions, factory: factory)
            .recordNanoseconds(duration.nanoseconds)
        if let error {
            Counter(label: Name.providerErrors, dimensions: dimensions + [("reason", Self.reason(error))], factory: factory)
                .increment()
        }
    }

    /// Registers the cancelled-call counters of `provider` at zero, so the family is there from the start.
    func registerProvider(_ provider: String) {
        for operation in [ProviderOperation.reply, .embed] {
            _ = Counter(label: Name.providerCancelled, dimensions: [("provider", provider), ("operation", operation.rawValue)], factory: factory)
        }
    }

    /// Tokens as the provider's `usage` reports them, by `kind`: `prompt` or `completion`.
    func recordTokens(provider: String, usage: ProviderTokenUsage) {
        for (kind, count) in [("prompt", usage.promptTokens), ("completion", usage.completionTokens)] {
            guard let count, count > 0 else { continue }
            Counter(label: Name.providerTokens, dimensions: [
                ("provider", provider), ("operation", usage.operation.rawValue), ("kind", kind),
            ], factory: factory).increment(by: Int64(count))
        }
    }

    /// A fixed word per failure kind; an HTTP failure by its status class, so a server inventing
    /// statuses cannot grow the label set.
    static func reason(_ error: any Error) -> String {
        guard let error = error as? ProviderError else { return error is CancellationError ? "cancelled" : "other" }
        switch error.code {
        case .timeout: return "timeout"
        case .http(let status): return (400..<600).contains(status) ? "http_\(status / 100)xx" : "http_other"
        case .malformedResponse: return "malformed_response"
        case .transport: return "transport"
        case .invalidRequest: return "invalid_request"
        case .cancelled: return "cancelled"
        case .busy: return "busy"
        case .unavailable: return "unavailable"
        }
    }

    /// `recordTokens` for the provider of kind `provider`, as the provider's usage observer.
    func tokenObserver(provider: String) -> @Sendable (ProviderTokenUsage) -> Void {
        { [self] usage in recordTokens(provider: provider, usage: usage) }
    }

    // MARK: Outbound gates

    /// A gate's gauges, set from its state (at start, then whenever `/metrics` is scraped): calls
    /// holding a place, calls waiting for one, and the breaker's phase (1 for the current one, 0
    /// for the others, so every phase is a series from the start). `upstream` is a fixed word
    /// (`provider`, `core`).
    func recordGate(_ gate: OutboundGate) {
        let upstream = ("upstream", gate.upstream)
        Gauge(label: Name.outboundInFlight, dimensions: [upstream], factory: factory).record(gate.inFlight)
        Gauge(label: Name.outboundQueued, dimensions: [upstream], factory: factory).record(gate.queued)
        let phase = gate.breakerPhase
        for state in CircuitBreaker.phases {
            Gauge(label: Name.outboundBreakerState, dimensions: [upstream, ("state", state)], factory: factory)
                .record(state == phase ? 1 : 0)
        }
        for reason in ["busy", "unavailable"] {
            _ = Counter(label: Name.outboundRefusals, dimensions: [upstream, ("reason", reason)], factory: factory)
        }
    }

    /// Counts a call the gate of `upstream` refused (`busy`, `unavailable`), as the gate's observer.
    func refusalObserver(upstream: String) -> @Sendable (OutboundHTTPError.Code) -> Void {
        { [self] code in
            Counter(label: Name.outboundRefusals, dimensions: [("upstream", upstream), ("reason", code.rawValue)], factory: factory)
                .increment()
        }
    }

    // MARK: Store: database pool and recall cache

    /// `recordPoolWait` and `recordRecallLookup`, as the store's observers.
    var storeObservers: StoreObservers {
        StoreObservers(
            poolWait: { [self] duration in recordPoolWait(duration) },
            recallLookup: { [self] hit in recordRecallLookup(hit: hit) })
    }

    /// How long a request waited for a pooled connection (including opening a new one).
    func recordPoolWait(_ duration: Duration) {
        CoreMetrics.Timer(label: Name.poolWait, dimensions: [], factory: factory).recordNanoseconds(duration.nanoseconds)
    }

    /// One look for a user's recall window at the start of a turn: a hit used the window kept in
    /// memory, a miss read the episodes.
    func recordRecallLookup(hit: Bool) {
        Counter(label: hit ? Name.recallCacheHits : Name.recallCacheMisses, dimensions: [], factory: factory).increment()
    }

    /// The pool's and the recall cache's gauges, set from a snapshot when `/metrics` is scraped.
    func recordStoreUsage(_ usage: StoreUsage) {
        Gauge(label: Name.poolConnections, dimensions: [("state", "in_use")], factory: factory).record(usage.pool.inUse)
        Gauge(label: Name.poolConnections, dimensions: [("state", "idle")], factory: factory).record(usage.pool.idle)
        Gauge(label: Name.poolWaiters, dimensions: [], factory: factory).record(usage.pool.waiters)
        Gauge(label: Name.poolSize, dimensions: [], factory: factory).record(usage.pool.size)
        Gauge(label: Name.recallCacheEntries, dimensions: [], factory: factory).record(usage.recallWindows.users)
        Gauge(label: Name.recallCacheBytes, dimensions: [], factory: factory).record(usage.recallWindows.bytes)
    }

    /// The users-needing-attention gauges, from the store's count when `/metrics` is scraped.
    func recordAttention(_ counts: AttentionCounts) {
        Gauge(label: Name.usersInSafetyLock, dimensions: [], factory: factory).record(counts.safetyLock)
        Gauge(label: Name.usersSilenced, dimensions: [], factory: factory).record(counts.silenced)
    }

    // MARK: Auth

    /// `recordJWKSRefresh`, as the JWKS cache's fetch observer.
    var jwksRefreshObserver: @Sendable (Bool) -> Void {
        { [self] succeeded in recordJWKSRefresh(succeeded: succeeded) }
    }

    /// One JWKS fetch: `success` when usable keys were loaded, `failure` otherwise.
    func recordJWKSRefresh(succeeded: Bool) {
        Counter(label: Name.jwksRefreshes, dimensions: [("outcome", succeeded ? "success" : "failure")], factory: factory)
            .increment()
    }
}

extension SigmarisMetrics {
    /// How one webhook attempt ended.
    enum WebhookOutcome: String, CaseIterable {
        /// A 2xx answer.
        case delivered
        /// Failed; the event is tried again later.
        case retried
        /// The last attempt failed: the event is `failed` for good (an alert fires on these).
        case failed
    }

    /// One webhook attempt, by how it ended.
    func recordWebhookDelivery(outcome: WebhookOutcome) {
        Counter(label: Name.webhookDeliveries, dimensions: [("outcome", outcome.rawValue)], factory: factory).increment()
    }
}

extension Duration {
    /// Whole nanoseconds, saturating (a duration never gets near 292 years here).
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return seconds < 0 ? .min : .max }
        return scaled.addingReportingOverflow(attoseconds / 1_000_000_000).partialValue
    }
}
