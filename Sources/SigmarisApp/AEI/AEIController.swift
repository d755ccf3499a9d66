import Hummingbird
import SigmarisAuth
import SigmarisEngine
import SigmarisStore

/// `/api/aei`: what the reference frontend's route handler did — one turn for the signed-in user,
/// stored as two `messages` rows and one `sigmaris_state_snapshots` row — and the session history.
struct AEIController {
    let exchange: AEIExchange

    func addRoutes(to router: RouterGroup<SigmarisRequestContext>) {
        router.post("aei", use: post)
        router.get("aei", use: history)
    }

    @Sendable func post(_ request: Request, context: SigmarisRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let body = try AEIRequest(
            try await JSONRequest.object(request, context: context), sessionHeader: request.headers[AEIRequest.sessionHeader])
        let outcome = try await exchange.run(user: user.storeUser, sessionID: body.sessionID, text: body.text, logger: context.logger)
        let payload: JSONValue = [
            "success": true,
            "sessionId": .string(body.sessionID),
            "output": .string(outcome.reply),
            "traits": outcome.meta["trait"]?["state"] ?? .null,
            "safety": outcome.meta["safety"] ?? .null,
            "model": .string(outcome.model),
            // The name the reference frontend reads the whole meta under.
            "python": outcome.meta,
        ]
        return JSONBody.response(payload.serialized())
    }

    @Sendable func history(_ request: Request, context: SigmarisRequestContext) async throws -> Response {
        let user = try context.requireUser()
        guard let session = request.uri.queryParameters.get("session"), !session.isEmpty else {
            throw APIError.badRequest("session is required", reason: "missing_session")
        }
        let pairs = try await exchange.store.rows(of: user.storeUser).pairedMessages(sessionID: session)
        let messages = JSONValue.array(pairs.map { ["user": .string($0.user), "ai": .string($0.ai)] })
        return JSONBody.response((["messages": messages] as JSONValue).serialized())
    }
}
