import Hummingbird
import SigmarisAuth
import SigmarisEngine
import SigmarisStore

/// `/api/aei`: what the reference frontend's route handler did — one turn for the signed-in user,
/// stored as two `messages` rows and one `sigmaris_state_snapshots` row — and the session history.
struct AEIController {
    let exchange: AEIExchange
    let rateLimiter: TurnRateLimiter

    func addRoutes(to router: RouterGroup<SigmarisRequestContext>) {
        router.post("aei", use: post)
        router.get("aei", use: history)
    }

    @Sendable func post(_ request: Request, context: SigmarisRequestContext) async throws -> AEIReplyResponse {
        let user = try context.requireUser()
        let body = try AEIRequest(
            try await JSONRequest.object(request, context: context), sessionHeader: request.headers[AEIRequest.sessionHeader])
        try rateLimiter.admit(user.id.uuidString.lowercased())
        let outcome = try await exchange.run(user: user.storeUser, sessionID: body.sessionID, text: body.text, logger: context.logger)
        return AEIReplyResponse(sessionID: body.sessionID, outcome: outcome)
    }

    @Sendable func history(_ request: Request, context: SigmarisRequestContext) async throws -> AEIHistoryResponse {
        let user = try context.requireUser()
        guard let session = try AEIRequest.sessionID(request.uri.queryParameters.get("session"), field: "session"), !session.isEmpty else {
            throw APIError.badRequest("session is required", reason: "missing_session")
        }
        return AEIHistoryResponse(messages: try await exchange.store.rows(of: user.storeUser).pairedMessages(sessionID: session))
    }
}
