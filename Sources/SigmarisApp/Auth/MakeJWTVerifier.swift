import Foundation
import Logging
import SigmarisAuth
import SigmarisCurl

/// The verifier the routes share, and the JWKS cache behind it (nil when no JWKS is configured),
/// which `JWKSRefresher` keeps warm.
///
/// Both key kinds may be active at once, as during Supabase's move from the shared secret to
/// asymmetric keys: each token's `alg` picks. `ttl` and `minimumRefetchInterval` are for tests.
public func makeJWTVerifier(
    configuration: SigmarisConfiguration,
    http: CurlHTTPClient,
    logger: Logger,
    ttl: TimeInterval = JWKSCache.defaultTTL,
    minimumRefetchInterval: TimeInterval = JWKSCache.defaultMinimumRefetchInterval,
    metrics: SigmarisMetrics? = nil
) -> (verifier: JWTVerifier, jwks: JWKSCache?) {
    let verifierConfiguration = JWTVerifierConfiguration(
        hmacSecret: configuration.supabaseJWTSecret,
        audience: configuration.jwtAudience,
        issuer: configuration.jwtIssuer,
        clockSkew: TimeInterval(configuration.jwtClockSkewSeconds))
    let source = JWKSSource(configuration: configuration)
    let jwks = source.map { source in
        JWKSCache(
            ttl: ttl,
            minimumRefetchInterval: minimumRefetchInterval,
            logger: logger,
            fetchObserver: metrics?.jwksRefreshObserver,
            fetch: source.fetcher(http: http, logger: logger))
    }
    logger.info("token verification", metadata: [
        "sigmaris.auth.hs256": .stringConvertible(verifierConfiguration.hmacSecret != nil),
        "sigmaris.auth.jwks": .string(source?.redactedDescription ?? "none"),
        "sigmaris.auth.issuer": .string(verifierConfiguration.issuer ?? "any"),
        "sigmaris.auth.audience": .string(verifierConfiguration.audience),
    ])
    if verifierConfiguration.hmacSecret == nil, source == nil, !configuration.authDisabled {
        logger.warning("neither SUPABASE_JWT_SECRET nor a JWKS (SUPABASE_URL or SUPABASE_JWKS_URL) is set: every token will be refused")
    }
    return (JWTVerifier(configuration: verifierConfiguration, jwks: jwks), jwks)
}
