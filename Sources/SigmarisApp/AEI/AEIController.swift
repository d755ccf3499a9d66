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

    @Sendable func post(_ request: Request, context: SigmarisRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let body = try AEIRequest(
            try await JSONRequest.object(request, context: context), sessionHeader: request.headers[AEIRequest.sessionHeader])
        try rateLimiter.admit(user.id.uuidString.lowercased())
        let outcome = try await exchange.run(user: user, sessionID: body.sessionID, text: body.text, logger: context.logger)
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
        guard let session = try AEIRequest.sessionID(request.uri.queryParameters.get("session"), field: "session"), !session.isEmpty else {
            throw APIError.badRequest("session is required", reason: "missing_session")
        }
        let userID = user.id
        let claims = user.claimsJSON
        let pairs = try await exchange.database.withTransaction { connection in
            try UserScope.enter(claimsJSON: claims, on: connection)
            return try ChatStore.pairedMessages(userID: userID, sessionID: session, on: connection)
                .map { UserAndReply(user: $0.user, ai: $0.ai) }
        }
        let messages = JSONValue.array(pairs.map { ["user": .string($0.user), "ai": .string($0.ai)] })
        return JSONBody.response((["messages": messages] as JSONValue).serialized())
    }

    private struct UserAndReply: Sendable {
        var user: String
        var ai: String
    }
}
