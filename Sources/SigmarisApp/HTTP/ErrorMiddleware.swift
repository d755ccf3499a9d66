import Hummingbird
import Logging
import SigmarisAuth
import SigmarisEngine
import SigmarisStore

/// The one place where errors become HTTP responses. Anything not deliberately mapped is a 500 whose
/// body says nothing about the cause; the cause goes to the log (descriptions are redacted by design).
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            return try Self.map(error, logger: context.logger).response(from: request, context: context)
        }
    }

    static func map(_ error: any Error, logger: Logger) -> APIError {
        switch error {
        case let error as APIError:
            return error
        case let refusal as PolicyRuleError:
            // A policy that could not be evaluated safely is never stored (docs/policies.md).
            return .badRequest(refusal.message, reason: refusal.reason)
        case let failure as AuthFailure:
            return APIError(
                .unauthorized, "Unauthorized", reason: failure.rawValue,
                headers: [.wwwAuthenticate: #"Bearer error="invalid_token""#])
        case PersonaEngineError.providerFailed(let description):
            // Raised when SIGMARIS_RAISE_LLM_ERRORS is on, or mid-stream; otherwise the fallback reply is used.
            logger.error("persona provider failed", metadata: ["sigmaris.error": "\(description)"])
            return APIError(.badGateway, "Sigmaris core request failed", reason: "provider_failed", detail: "LLM provider failed")
        case PersonaEngineError.providerRefused(let refusal):
            // Raised (SIGMARIS_RAISE_LLM_ERRORS): the call was never sent, so it is not the
            // provider's failure but a "retry later" (the gate's log line says why).
            return .providerRefused(refusal)
        case is CancellationError, PersonaEngineError.abandoned:
            // The request's task was cancelled (its client went away): nobody reads the answer, and
            // it is not a server fault to log as one.
            logger.debug("request cancelled")
            return .clientClosedRequest
        case let error as StoreError where error.isUnavailable:
            // Down, busy, a statement past its time limit, a conflict past the reruns: the store's
            // description says which (redacted); the client hears "retry in a few seconds" for all.
            logger.error("database unavailable", metadata: ["sigmaris.error": "\(error)"])
            return .databaseUnavailable
        case let error as HTTPError:
            // Hummingbird's own errors: 404 for an unknown route, …
            return APIError(error.status, error.body ?? error.status.reasonPhrase, headers: error.headers)
        case let error as any HTTPResponseError:
            // Errors Hummingbird gives a status to, such as 413 for a body over the upload limit.
            return APIError(error.status, error.status.reasonPhrase)
        default:
            logger.error("request failed", metadata: ["sigmaris.error": "\(error)"])
            return .internalError
        }
    }
}
