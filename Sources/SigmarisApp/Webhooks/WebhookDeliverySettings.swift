/// How the delivery service retries and polls (`WebhookDeliveryService`). The defaults are the
/// service's (the README lists them); tests shorten them through `SigmarisConfiguration.webhookDelivery`.
public struct WebhookDeliverySettings: Sendable {
    /// Attempts per event; after the last failed one the event is `failed` (shown on /operator).
    public var maxAttempts = 10
    /// The wait after the first failed attempt, doubled after each further one up to `maxBackoff`;
    /// each wait is then cut to a random 50 to 100 % of itself, so that events that failed together
    /// (a receiver that was down) do not all come back at once.
    public var firstBackoff: Duration = .seconds(10)
    public var maxBackoff: Duration = .seconds(3600)
    /// What one attempt may take in all: connecting, sending and the receiver's answer.
    public var attemptTimeout: Duration = .seconds(10)
    /// How long a claimed event is held by the instance sending it before it is due again (it only
    /// matters when that instance dies mid-attempt): well past the attempt's own timeout.
    public var claimLease: Duration = .seconds(60)
    /// The wait between looks for due events when the last look found less than a batch.
    public var pollInterval: Duration = .seconds(1)
    /// Events claimed and sent at once by one instance.
    public var batchSize = 16

    public init() {}

    /// The wait after failed attempt number `attempt` (from 1), `jitter` in 0.5...1 of it.
    func backoff(afterAttempt attempt: Int, jitter: Double) -> Duration {
        let doublings = min(max(attempt - 1, 0), 30)
        let full = min(firstBackoff * (1 << doublings), maxBackoff)
        return full * min(max(jitter, 0.5), 1)
    }
}
