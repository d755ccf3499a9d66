import Hummingbird
import SigmarisEngine

/// `/api/summary` and `/api/translate`: the reference app's LLM helpers for a signed-in user. Each
/// is admitted like a turn (`TurnAdmission`: the turns in flight and the user's turn rate), since
/// it costs a model call like one, and answers JSON or, when the request accepts
/// `text/event-stream`, `delta` events then `done` with the JSON body (`TurnEventStream`).
/// Nothing is stored.
struct LLMHelperController {
    let helpers: LLMHelpers
    let admission: TurnAdmission

    func addRoutes(to router: RouterGroup<SigmarisRequestContext>) {
        router.post("summary", use: summary)
        router.post("translate", use: translate)
    }

    @Sendable func summary(_ request: Request, context: SigmarisRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let text = try LLMHelperRequest.summaryText(try await JSONRequest.object(request, context: context))
        return try await answer(request, context: context, userID: user.id.uuidString.lowercased()) { [helpers] deltas in
            try await helpers.summary(of: text, deltas: deltas)
        }
    }

    @Sendable func translate(_ request: Request, context: SigmarisRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let (text, targetLanguage) = try LLMHelperRequest.translation(try await JSONRequest.object(request, context: context))
        return try await answer(request, context: context, userID: user.id.uuidString.lowercased()) { [helpers] deltas in
            try await helpers.translation(of: text, into: targetLanguage, deltas: deltas)
        }
    }

    private func answer<Done: ResponseEncodable & Sendable>(
        _ request: Request, context: SigmarisRequestContext, userID: String,
        _ work: @escaping @Sendable (ReplyDeltaListener?) async throws -> Done
    ) async throws -> Response {
        let lease = try await admission.admit(userID)
        return try await TurnEventStream.answer(request, context: context, holding: lease, work: work)
    }
}

extension SummaryResponse: ResponseEncodable {}
extension TranslationResponse: ResponseEncodable {}
