import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import SigmarisAuth

@testable import SigmarisApp

/// A tiny application around `AuthMiddleware`: the same error mapping as the real router, and
/// handlers that only say who the caller is.
enum AuthTestApp {
    static let secret = "auth-tests-hs256-secret-0123456789abcdef"
    static let issuer = "https://example.supabase.co/auth/v1"
    static let userID = UUID(uuidString: "3f0c2d4e-8a1b-4c5d-9e6f-7a8b9c0d1e2f")!

    /// `/user` takes users only, `/service` users and the service key, `/open` also takes requests
    /// without credentials when `allowAnonymous` is on.
    static func make(
        verifier: JWTVerifier,
        allowAnonymous: Bool = false,
        logger: Logger = quietLogger
    ) -> some ApplicationProtocol {
        let router = Router(context: SigmarisRequestContext.self)
        router.add(middleware: ErrorMiddleware())
        router.group("user").add(middleware: AuthMiddleware(verifier: verifier))
            .get { _, context in describe(context.caller) }
        router.group("service").add(middleware: AuthMiddleware(verifier: verifier, allowService: true))
            .get { _, context in describe(context.caller) }
        router.group("open").add(middleware: AuthMiddleware(verifier: verifier, allowAnonymous: allowAnonymous))
            .get { _, context in describe(context.caller) }
        return Application(router: router, logger: logger)
    }

    static func describe(_ caller: Caller?) -> String {
        switch caller {
        case .user(let identity): return "user:" + identity.id.uuidString.lowercased()
        case .service: return "service"
        case nil: return "anonymous"
        }
    }

    static func hs256Verifier(now: @escaping @Sendable () -> Date = { Date() }) -> JWTVerifier {
        JWTVerifier(configuration: JWTVerifierConfiguration(hmacSecret: secret, issuer: issuer), now: now)
    }

    static func userClaims(now: Date = Date(), audience: String = JWTVerifierConfiguration.defaultAudience) -> JWTClaimsBuilder {
        .user(id: userID, issuer: issuer, audience: audience, now: now)
    }

    static func hs256(_ claims: JWTClaimsBuilder) throws -> String {
        try JWTSigner(hmacSecret: secret).sign(claims)
    }

    static func bearer(_ token: String) -> HTTPFields {
        [.authorization: "Bearer \(token)"]
    }

    static var quietLogger: Logger {
        var logger = Logger(label: "sigmaris.test.auth")
        logger.logLevel = .critical
        return logger
    }
}

/// The 401 body `ErrorMiddleware` writes, decoded.
struct UnauthorizedBody: Decodable, Equatable {
    let error: String
    let reason: String

    init(error: String = "Unauthorized", reason: String) {
        self.error = error
        self.reason = reason
    }

    init?(_ response: TestResponse) {
        guard let body = try? JSONDecoder().decode(UnauthorizedBody.self, from: Data(buffer: response.body)) else { return nil }
        self = body
    }
}
