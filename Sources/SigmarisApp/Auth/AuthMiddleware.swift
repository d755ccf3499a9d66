import Hummingbird
import Logging
import SigmarisAuth

/// Puts the verified caller of a route group into `context.caller`, or refuses the request.
///
/// A refusal is the thrown `AuthFailure`; `ErrorMiddleware` (which must sit outside this one) turns
/// it into the 401 with its reason code, so handlers never run and nothing is read or written.
public struct AuthMiddleware: RouterMiddleware {
    public typealias Context = SigmarisRequestContext

    public let verifier: JWTVerifier
    /// Whether the project's `service_role` credential is accepted (e.g. `/persona/chat`).
    public let allowService: Bool
    /// Whether a request without any `Authorization` header may pass with `caller == nil`. Only for
    /// `SIGMARIS_AUTH_DISABLED`: callers pass `configuration.authDisabled`, never a constant `true`.
    /// Such a request must also pass `anonymousAddressing`.
    public let allowAnonymous: Bool

    /// Configuration keeps the switch to a loopback listener, but a page in the developer's browser
    /// reaches loopback too, and through DNS rebinding could read the replies; the same check as dev
    /// sign-in keeps it out.
    static let anonymousAddressing = LoopbackAddressing(subject: "Without credentials, the server")

    public init(verifier: JWTVerifier, allowService: Bool = false, allowAnonymous: Bool = false) {
        self.verifier = verifier
        self.allowService = allowService
        self.allowAnonymous = allowAnonymous
    }

    public func handle(
        _ request: Request,
        context: SigmarisRequestContext,
        next: (Request, SigmarisRequestContext) async throws -> Response
    ) async throws -> Response {
        let headers = request.headers[values: .authorization]
        // Only a missing header is anonymous: a header that is present but bad is still a bad
        // credential, so a client with a broken token learns about it even in development.
        if headers.isEmpty, allowAnonymous {
            try Self.anonymousAddressing.check(request)
            return try await next(request, context)
        }
        var context = context
        do throws(AuthFailure) {
            context.caller = try await verifier.verify(authorizationHeader: try Self.single(headers), allowService: allowService)
        } catch {
            // The reason code only: the header carries the credential, and the token's claims are
            // not trustworthy enough to be worth logging before they verify.
            context.logger.debug("request not authenticated", metadata: ["sigmaris.auth.reason": .string(error.rawValue)])
            throw error
        }
        return try await next(request, context)
    }

    /// Two `Authorization` headers leave it open which one a proxy in front of us checked, so the
    /// request is refused rather than guessing.
    private static func single(_ values: [String]) throws(AuthFailure) -> String? {
        guard values.count <= 1 else { throw .malformed }
        return values.first
    }
}
