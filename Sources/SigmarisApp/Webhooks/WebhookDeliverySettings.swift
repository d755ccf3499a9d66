import SigmarisCurl

/// How the delivery service retries and polls (`WebhookDeliveryService`). The defaults are the
/// service's (the README lists them); tests shorten them through `SigmarisConfiguration.webhookDelivery`.
public struct WebhookDeliverySettings: Sendable {
    /// Attempts per event and the wait after each failed one, on the schedule every retry of the
    /// service uses (`RetryPolicy`): 10 attempts, after which the event is `failed` (shown on
    /// /operator); 10 s after the first failure, doubled after each further one up to an hour, each
    /// wait cut to a random 50 to 100 % of itself (`.equal` jitter), so that events that failed
    /// together (a receiver that was down) do not all come back at once. Only the attempts and the
    /// schedule are read: any answer but a 2xx is retried, whatever its status or `Retry-After`.
    public var retry = RetryPolicy(
        maxAttempts: 10, baseBackoff: .seconds(10), multiplier: 2, maxBackoff: .seconds(3600), jitter: .equal)
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
}
