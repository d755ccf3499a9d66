/// The signature algorithms this server implements.
///
/// Deliberately closed: a verifier that accepts whatever the header says is how algorithm confusion
/// happens. Each key type maps to exactly one case (see `JWK` and `JWTVerifier`).
public enum JWSAlgorithm: String, Sendable, Hashable, CaseIterable {
    /// HMAC-SHA256 with the project's shared JWT secret.
    case hs256 = "HS256"
    /// RSASSA-PKCS1-v1_5 with SHA-256, public key from a JWKS.
    case rs256 = "RS256"
    /// ECDSA on P-256 with SHA-256, public key from a JWKS.
    case es256 = "ES256"
}
