import HTTPTypes
import Hummingbird
import Logging
import SigmarisAuth
import SigmarisEngine
import SigmarisJSON

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
        router.post("chat/stream", use: chatStream)
    }

    /// JSON, or Server-Sent Events when the request accepts `text/event-stream` (`TurnEventStream`).
    @Sendable func chat(_ request: Request, context: SigmarisRequestContext) async throws -> Response {
        let turn = try await admit(request, context: context)
        return try await TurnEventStream.answer(
            request, context: context, headers: turn.headers, holding: turn.lease,
            checkRoom: { try turns.locks.checkRoom(turn.userID) }, work: turn.run)
    }

    /// `POST /persona/chat/stream`, the later reference core's streaming route: the same body, auth
    /// and refusals as `/persona/chat`, always answered as Server-Sent Events (whatever `Accept`
    /// says), `start` `{trace_id, session_id}` first, then `delta` `{text}` as the reply grows and
    /// `done` `{reply, meta}`, or `error` `{error, reason, trace_id}`.
    @Sendable func chatStream(_ request: Request, context: SigmarisRequestContext) async throws -> Response {
        let turn = try await admit(request, context: context)
        try turns.locks.checkRoom(turn.userID)
        let start = try OutgoingEvent.json("start", StreamStart(traceID: turn.traceID, sessionID: turn.sessionID))
        return TurnEventStream.response(
            context: context, headers: turn.headers, holding: turn.lease, start: start, traceID: turn.traceID
        ) { try await turn.run($0) }
    }

    /// A turn that passed validation, auth and admission, ready to run (as JSON or as a stream).
    private struct AdmittedTurn: Sendable {
        let userID: String
        /// The turn's place among the turns in flight; released when dropped.
        let lease: InFlightLease
        let traceID: String
        let sessionID: String
        let headers: HTTPFields
        let run: @Sendable (_ deltas: ReplyDeltaListener?) async throws -> PersonaChatResponse
    }

    /// Reads and checks the body, the caller's right to the user and the user's admission.
    private func admit(_ request: Request, context: SigmarisRequestContext) async throws -> AdmittedTurn {
        let body = try PersonaChatRequest(try await JSONRequest.object(request, context: context))
        let userID = try Self.userID(caller: context.caller, requested: body.userID)
        let lease = try await admission.admit(userID)
        let turnContext = turns.newContext()
        var logger = context.logger
        logger[metadataKey: "sigmaris.trace_id"] = "\(turnContext.traceID)"
        let turnRequest = TurnRequest(
            userID: userID, sessionID: body.sessionID, message: body.message,
            rewardSignal: body.rewardSignal, affectSignal: body.affectSignal)
        return AdmittedTurn(
            userID: userID, lease: lease, traceID: turnContext.traceID,
            sessionID: turnRequest.resolvedSessionID(context: turnContext),
            headers: [Self.modelHeader: turns.engine.provider.modelName]
        ) { [turns, logger] deltas in
            let result = try await turns.run(turnRequest, context: turnContext, logger: logger, replyDeltas: deltas)
            return PersonaChatResponse(reply: result.reply, meta: result.meta)
        }
    }

    /// `start`'s data on `/persona/chat/stream`.
    struct StreamStart: Encodable, Sendable {
        var traceID: String
        var sessionID: String

        enum CodingKeys: String, CodingKey {
            case traceID = "trace_id"
            case sessionID = "session_id"
        }
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
