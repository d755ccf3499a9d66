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
        if TurnEventStream.isRequested(by: request) {
            try exchange.checkRoom(user: user.storeUser)
            return TurnEventStream.response(context: context, holding: lease) { try await turn($0) }
        }
        // The place is given back before the answer goes out, so the client's next turn finds it free.
        let reply = try await lease.releasing { try await turn(nil) }
        return try context.responseEncoder.encode(reply, from: request, context: context)
    }

    @Sendable func history(_ request: Request, context: SigmarisRequestContext) async throws -> AEIHistoryResponse {
        let user = try context.requireUser()
        let session = try SessionInput.sessionID(request, parameter: "session")
        return AEIHistoryResponse(messages: try await exchange.store.rows(of: user.storeUser).pairedMessages(sessionID: session))
    }
}
