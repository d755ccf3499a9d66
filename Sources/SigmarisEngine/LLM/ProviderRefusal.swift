/// A provider call the service declined to send at all: too many calls to the provider were in
/// flight and waiting (`busy`), or the provider failed too often lately and calls to it fail fast
/// for a while (`unavailable`).
///
/// §8 treats it as any provider failure (the fallback reply, unless provider errors are raised).
/// When they are raised the turn fails with `PersonaEngineError.providerRefused`, so the service can
/// answer "retry later" (with when) rather than "the provider failed".
public struct ProviderRefusal: Sendable, Equatable {
    public enum Kind: String, Sendable, Equatable {
        case busy
        case unavailable
    }

    public var kind: Kind
    /// Whole seconds after which asking again may succeed (at least 1).
    public var retryAfterSeconds: Int

    public init(kind: Kind, retryAfterSeconds: Int) {
        self.kind = kind
        self.retryAfterSeconds = max(1, retryAfterSeconds)
    }
}

/// An error type a provider throws that may be a refusal (its other values are ordinary failures).
public protocol ProviderRefusalReporting: Error {
    /// The refusal this error is, or nil for an ordinary failure.
    var refusal: ProviderRefusal? { get }
}
