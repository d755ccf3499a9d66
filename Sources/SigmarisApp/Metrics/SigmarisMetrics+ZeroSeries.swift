import Metrics
import SigmarisEngine
import SigmarisStore

/// Series at zero from the start, so that `/metrics` shows every family before anything happened.
///
/// A family appears in a Prometheus registry only once something records into it; until then a
/// dashboard draws "no data" and an alert such as `rate(sigmaris_provider_errors_total[5m]) > 0`
/// has nothing to evaluate, which reads like a healthy service. Creating a counter or a timer with
/// a label set registers it at zero, so each family starts with the label values that are known in
/// advance (the enums and fixed words the recording functions use). Label sets that depend on
/// traffic (every route × status) are left to traffic; the turn routes stand for them at 200.
extension SigmarisMetrics {
    /// The routes that run a turn (and may stream it), as `HTTPMetricsMiddleware` labels them.
    static let turnRoutes = ["/api/aei", "/persona/chat", "/persona/chat/stream"]
    /// How a streamed turn can end (`ResponseEnd`'s streaming cases).
    static let streamOutcomes = ["done", "error", "cancelled"]
    /// Every word `reason(_:)` can give a provider failure.
    static let providerErrorReasons = [
        "timeout", "http_4xx", "http_5xx", "http_other", "malformed_response", "transport", "invalid_request", "cancelled",
        "other",
    ]

    /// Registers the zero series. `provider` is the configured kind (`local`, `openai`);
    /// `reportsTokens` whether it reports token usage (the local provider does not).
    func registerZeroSeries(provider: String, reportsTokens: Bool) {
        for route in Self.turnRoutes {
            let dimensions = [("route", route), ("method", "POST"), ("status", "200")]
            _ = Counter(label: Name.httpRequests, dimensions: dimensions, factory: factory)
            _ = CoreMetrics.Timer(label: Name.httpRequestDuration, dimensions: dimensions, factory: factory)
            for outcome in Self.streamOutcomes {
                _ = Counter(label: Name.httpStreams, dimensions: [("route", route), ("outcome", outcome)], factory: factory)
            }
        }
        for state in GlobalState.allCases {
            // `recordTurn` labels a turn without a flag `none`.
            for flag in ["none"] + SafetyFlag.allCases.map(\.rawValue) {
                _ = Counter(label: Name.turns, dimensions: [("global_state", state.rawValue), ("safety_flag", flag)], factory: factory)
            }
        }
        for operation in [ProviderOperation.reply, .embed] {
            let dimensions = [("provider", provider), ("operation", operation.rawValue)]
            _ = Counter(label: Name.providerCalls, dimensions: dimensions, factory: factory)
            _ = CoreMetrics.Timer(label: Name.providerCallDuration, dimensions: dimensions, factory: factory)
            for reason in Self.providerErrorReasons {
                _ = Counter(label: Name.providerErrors, dimensions: dimensions + [("reason", reason)], factory: factory)
            }
            if reportsTokens {
                for kind in ["prompt", "completion"] {
                    _ = Counter(label: Name.providerTokens, dimensions: dimensions + [("kind", kind)], factory: factory)
                }
            }
        }
        _ = CoreMetrics.Timer(label: Name.poolWait, dimensions: [], factory: factory)
        // The recall cache: its counters, and its gauges at zero until the first scrape sets them.
        for name in [Name.recallCacheHits, Name.recallCacheMisses] {
            _ = Counter(label: name, dimensions: [], factory: factory)
        }
        for name in [Name.recallCacheEntries, Name.recallCacheBytes] {
            Gauge(label: name, dimensions: [], factory: factory).record(0)
        }
        for outcome in ["success", "failure"] {
            _ = Counter(label: Name.jwksRefreshes, dimensions: [("outcome", outcome)], factory: factory)
        }
        // Until the first scrape counts them in the database.
        recordAttention(AttentionCounts(safetyLock: 0, silenced: 0))
        // With or without a webhook URL: the failure alert then reads 0, not "no data".
        for outcome in WebhookOutcome.allCases {
            _ = Counter(label: Name.webhookDeliveries, dimensions: [("outcome", outcome.rawValue)], factory: factory)
        }
    }
}
