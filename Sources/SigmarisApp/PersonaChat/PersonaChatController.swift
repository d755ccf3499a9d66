import HTTPTypes
import Hummingbird
import Logging
import SigmarisAuth
import SigmarisEngine

/// `POST /persona/chat` → `{reply, meta}`: the persona core API.
///
/// A service caller may name any `user_id`; a user caller is the user (another `user_id` is 403);
/// without a caller (only when auth is disabled for development) the body must name the user.
struct PersonaChatController {
    let turns: TurnRunner
    let admission: TurnAdmission

    /// The reply's provider model, for a proxy in front of this core (`/api/aei`'s `model`).
    static let modelHeader = HTTPField.Name("x-sigmaris-model")!

    func addRoutes(to router: RouterGroup<SigmarisRequestContext>) {
        router.post("chat", use: chat)
    }

    /// JSON, or Server-Sent Events when the request accepts `text/event-stream` (`TurnEventStream`).
    @Sendable func chat(_ request: Request, context: SigmarisRequestContext) async throws -> Response {
        let body = try PersonaChatRequest(try await JSONRequest.object(request, context: context))
        let userID = try Self.userID(caller: context.caller, requested: body.userID)
        let lease = try await admission.admit(userID)
        let turnContext = turns.newContext()
        var logger = context.logger
        logger[metadataKey: "sigmaris.trace_id"] = "\(turnContext.traceID)"
        let turnRequest = TurnRequest(
            userID: userID, sessionID: body.sessionID, message: body.message,
            rewardSignal: body.rewardSignal, affectSignal: body.affectSignal)
        let headers: HTTPFields = [Self.modelHeader: turns.engine.provider.modelName]
        let turn = { @Sendable [turns, logger] (deltas: ReplyDeltaListener?) async throws -> PersonaChatResponse in
            let result = try await turns.run(turnRequest, context: turnContext, logger: logger, replyDeltas: deltas)
            return PersonaChatResponse(reply: result.reply, meta: result.meta)
        }

        if TurnEventStream.isRequested(by: request) {
            try turns.locks.checkRoom(userID)
            return TurnEventStream.response(context: context, headers: headers, holding: lease) { try await turn($0) }
        }
        // The place is given back before the answer goes out, so the client's next turn finds it free.
        let reply = try await lease.releasing { try await turn(nil) }
        return try EditedResponse(headers: headers, response: reply).response(from: request, context: context)
    }

    /// `{reply, meta}`, the reference core's shape.
    struct PersonaChatResponse: ResponseEncodable {
        var reply: String
        var meta: JSONValue
    }

    static func userID(caller: Caller?, requested: String?) throws(APIError) -> String {
        switch caller {
        case .user(let identity):
            let own = identity.id.uuidString.lowercased()
            if let requested, requested.lowercased() != own {
                throw APIError(.forbidden, "user_id does not match the token", reason: "user_mismatch")
            }
            return own
        case .service, nil:
            guard let requested else { throw APIError.badRequest("user_id is required", reason: "missing_user_id") }
            return requested
        }
    }
}
