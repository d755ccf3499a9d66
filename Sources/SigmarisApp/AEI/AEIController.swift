import Hummingbird
import SigmarisAuth
import SigmarisEngine
import SigmarisStore

/// `/api/aei`: what the reference frontend's route handler did — one turn for the signed-in user,
/// stored as two `messages` rows and one `sigmaris_state_snapshots` row — and the session history.
struct AEIController {
    let exchange: AEIExchange
    let admission: TurnAdmission

    func addRoutes(to router: RouterGroup<SigmarisRequestContext>) {
        router.post("aei", use: post)
        router.get("aei", use: history)
    }

    /// JSON, or Server-Sent Events when the request accepts `text/event-stream` (`TurnEventStream`).
    @Sendable func post(_ request: Request, context: SigmarisRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let body = try AEIRequest(
            try await JSONRequest.object(request, context: context), sessionHeader: try AEIRequest.sessionHeader(in: request.headers))
        let lease = try await admission.admit(user.id.uuidString.lowercased())
        let turn = { @Sendable [exchange, logger = context.logger] (deltas: ReplyDeltaListener?) async throws -> AEIReplyResponse in
            let outcome = try await exchange.run(
                user: user.storeUser, sessionID: body.sessionID, text: body.text, logger: logger, replyDeltas: deltas)
            return AEIReplyResponse(sessionID: body.sessionID, outcome: outcome)
        }
        return try await TurnEventStream.answer(
            request, context: context, holding: lease, checkRoom: { try exchange.checkRoom(user: user.storeUser) }, work: turn)
    }

    @Sendable func history(_ request: Request, context: SigmarisRequestContext) async throws -> AEIHistoryResponse {
        let user = try context.requireUser()
        let session = try SessionInput.sessionID(request, parameter: "session")
        return AEIHistoryResponse(messages: try await exchange.store.rows(of: user.storeUser).pairedMessages(sessionID: session))
    }
}
