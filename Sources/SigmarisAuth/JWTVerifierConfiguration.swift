import Foundation

/// What a token must satisfy, besides a good signature.
public struct JWTVerifierConfiguration: Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    public static let defaultAudience = "authenticated"
    public static let defaultClockSkew: TimeInterval = 30
    /// Supabase access tokens are around 1 KiB; 8 KiB leaves room for large `user_metadata`.
    public static let defaultMaxTokenBytes = 8 * 1024

    /// The HS256 secret as bytes (Supabase uses the secret string's UTF-8 bytes as is); nil when
    /// only JWKS keys are accepted.
    public var hmacSecret: [UInt8]?
    /// Must appear in `aud` (string or array) of user tokens.
    public var audience: String
    /// When set, user tokens must carry exactly this `iss` (Supabase: `<SUPABASE_URL>/auth/v1`).
    public var issuer: String?
    /// Allowed disagreement between our clock and the issuer's, applied to `exp` and `nbf`.
    public var clockSkew: TimeInterval
    /// Longer tokens are refused before any decoding.
    public var maxTokenBytes: Int

    /// An empty `hmacSecret` counts as none: HMAC with an empty key is a key anyone knows.
    public init(
        hmacSecret: String? = nil,
        audience: String = JWTVerifierConfiguration.defaultAudience,
        issuer: String? = nil,
        clockSkew: TimeInterval = JWTVerifierConfiguration.defaultClockSkew,
        maxTokenBytes: Int = JWTVerifierConfiguration.defaultMaxTokenBytes
    ) {
        self.hmacSecret = hmacSecret.flatMap { $0.isEmpty ? nil : Array($0.utf8) }
        self.audience = audience
        self.issuer = issuer
        self.clockSkew = clockSkew
        self.maxTokenBytes = maxTokenBytes
    }

    /// Never prints the secret, only whether there is one.
    public var description: String {
        "JWTVerifierConfiguration(hmacSecret: \(hmacSecret == nil ? "none" : "<redacted>"), "
            + "audience: \(audience), issuer: \(issuer ?? "any"), clockSkew: \(clockSkew), "
            + "maxTokenBytes: \(maxTokenBytes))"
    }

    public var debugDescription: String { description }
}
