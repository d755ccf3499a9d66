/// Why a request was not authenticated.
///
/// The raw value is the short machine code sent to clients as `reason` in the 401 body. Cases carry no
/// payload on purpose: nothing derived from the token (let alone the token or a secret) can end up in a
/// log line or a response through this type.
public enum AuthFailure: String, Error, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// No `Authorization` header, or an empty one.
    case missingToken = "missing_token"
    /// Not a `Bearer` credential, not three base64url segments, not JSON, a claim of the wrong type,
    /// or a required claim (`exp`) missing.
    case malformed = "malformed"
    /// The signature does not match the key the token names (or is the wrong length for it).
    case badSignature = "bad_signature"
    case expired = "expired"
    /// `nbf` lies in the future (beyond the allowed clock skew).
    case notYetValid = "not_yet_valid"
    case wrongAudience = "wrong_audience"
    case wrongIssuer = "wrong_issuer"
    /// The `kid` is not in the key set, even after a refetch (or the set could not be loaded).
    case unknownKey = "unknown_key"
    /// A valid token for a role this route does not accept (`anon`, or `service_role` on a user route).
    case forbiddenRole = "forbidden_role"
    /// `sub` is missing or is not a UUID.
    case invalidSubject = "invalid_subject"
    /// `none`, an algorithm this server does not implement, or one the selected key does not allow.
    case unsupportedAlgorithm = "unsupported_algorithm"
    /// Refused before parsing, so a huge header cannot cost more than a length check.
    case tokenTooLarge = "token_too_large"

    /// The machine code for the `reason` field of the 401 body.
    public var code: String { rawValue }

    public var description: String { "AuthFailure(\(rawValue))" }
}
