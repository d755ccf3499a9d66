import Foundation

/// Turns a bearer token into a verified `Caller`, or says why not.
///
/// Algorithm confusion is ruled out by construction: the header's `alg` only picks *which* configured
/// key to look at, and that key then fixes the one algorithm it is checked with. HS256 is only ever
/// checked against the configured shared secret, never against a JWKS key (public key bytes used as
/// an HMAC secret is the classic forgery); RS256 and ES256 only against a JWKS key of that type.
///
/// Order of checks: size → shape → header → key → signature → payload → `exp`/`nbf` → role →
/// `iss` → `aud` → `sub`. Nothing in the payload is parsed before the signature holds.
public struct JWTVerifier: Sendable {
    public static let userRole = "authenticated"
    public static let serviceRole = "service_role"

    public let configuration: JWTVerifierConfiguration
    public let jwks: JWKSCache?
    private let now: @Sendable () -> Date

    /// Both an HS256 secret (in `configuration`) and a JWKS may be given at once, as during
    /// Supabase's migration from the shared secret to asymmetric keys; each token's `alg`/`kid`
    /// selects. With neither, every token is refused with `unsupported_algorithm`.
    public init(
        configuration: JWTVerifierConfiguration,
        jwks: JWKSCache? = nil,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.configuration = configuration
        self.jwks = jwks
        self.now = now
    }

    /// Verifies the credential of an `Authorization` header value (nil when the header is absent).
    public func verify(authorizationHeader: String?, allowService: Bool) async throws(AuthFailure) -> Caller {
        let token = try BearerHeader.token(from: authorizationHeader, maxTokenBytes: configuration.maxTokenBytes)
        return try await verify(token: token, allowService: allowService)
    }

    /// Verifies a compact JWS. `allowService` says whether this route accepts the project's
    /// `service_role` credential; user routes pass false.
    public func verify(token: String, allowService: Bool) async throws(AuthFailure) -> Caller {
        guard !token.isEmpty else { throw .missingToken }
        guard token.utf8.count <= configuration.maxTokenBytes else { throw .tokenTooLarge }
        let jws = try CompactJWS(token)
        let header = try JOSEHeader.decode(jws.header)
        try await checkSignature(of: jws, header: header, algorithm: try header.algorithm())
        let claims = try JWTClaims.decode(jws.payload)
        guard let claimsJSON = String(validating: jws.payload, as: UTF8.self) else { throw .malformed }
        return try authorize(claims, claimsJSON: claimsJSON, allowService: allowService)
    }

    private func checkSignature(of jws: CompactJWS, header: JOSEHeader, algorithm: JWSAlgorithm) async throws(AuthFailure) {
        switch algorithm {
        case .hs256:
            // The `kid` is not consulted: there is one shared secret, and JWKS keys are never HMAC keys.
            guard let secret = configuration.hmacSecret else { throw .unsupportedAlgorithm }
            guard HMACSHA256.verify(tag: jws.signature, message: jws.signingInput, key: secret) else {
                throw .badSignature
            }
        case .rs256, .es256:
            guard let jwks else { throw .unsupportedAlgorithm }
            guard let key = await jwks.key(for: header.kid, algorithm: algorithm) else { throw .unknownKey }
            // The kid named a key of another type: the header lies about the algorithm.
            guard key.algorithm == algorithm else { throw .unsupportedAlgorithm }
            guard key.verify(signature: jws.signature, signingInput: jws.signingInput) else { throw .badSignature }
        }
    }

    private func authorize(_ claims: JWTClaims, claimsJSON: String, allowService: Bool) throws(AuthFailure) -> Caller {
        let now = self.now().timeIntervalSince1970
        let skew = configuration.clockSkew
        // A token without `exp` would never expire; Supabase always sets it, so its absence is a
        // malformed token rather than a long-lived one.
        guard let exp = claims.exp else { throw .malformed }
        guard now < exp + skew else { throw .expired }
        if let nbf = claims.nbf, now + skew < nbf { throw .notYetValid }

        // The service key has no `sub` and no `aud`, and its `iss` is plain "supabase": only the
        // signature and the times above apply to it.
        if claims.role == Self.serviceRole {
            guard allowService else { throw .forbiddenRole }
            return .service(ServiceIdentity(role: Self.serviceRole, issuer: claims.iss, claimsJSON: claimsJSON))
        }
        // `anon` (the public anon key) and anything else is not a signed-in user.
        guard claims.role == Self.userRole else { throw .forbiddenRole }
        if let issuer = configuration.issuer, claims.iss != issuer { throw .wrongIssuer }
        guard let audience = claims.aud, audience.contains(configuration.audience) else { throw .wrongAudience }
        guard let subject = claims.sub, let id = UUID(uuidString: subject) else { throw .invalidSubject }
        return .user(UserIdentity(
            id: id,
            role: Self.userRole,
            email: claims.email.flatMap { $0.isEmpty ? nil : $0 },
            expiresAt: Date(timeIntervalSince1970: exp),
            claimsJSON: claimsJSON,
            appRole: claims.appMetadata?.role
        ))
    }
}
