import HTTPTypes
import Hummingbird
import SigmarisEngine

extension TurnEventStream {
    /// How every route whose work is a turn, or costs a model call like one, answers once admitted:
    /// as events when the request accepts `text/event-stream` (`checkRoom` first, so no stream starts
    /// for work that cannot queue), else as JSON when the work is done, its place given back before
    /// the answer goes out so that the client's next request finds it free on every instance.
    static func answer<Done: ResponseEncodable & Sendable>(
        _ request: Request,
        context: SigmarisRequestContext,
        headers: HTTPFields = [:],
        holding lease: InFlightLease,
        checkRoom: () throws -> Void = {},
        work: @escaping @Sendable (_ deltas: ReplyDeltaListener?) async throws -> Done
    ) async throws -> Response {
        if isRequested(by: request) {
            try checkRoom()
            return response(context: context, headers: headers, holding: lease) { try await work($0) }
        }
        let done = try await lease.releasing { try await work(nil) }
        return try EditedResponse(headers: headers, response: done).response(from: request, context: context)
    }
}
