import Hummingbird

/// Cancels the handler of a POST when its client goes away, so a turn waiting in the user's queue
/// leaves it at once (`UserTurnLock` waiters are cancellation-aware) instead of running, and maybe
/// paying for a model call, for nobody. Hummingbird 2.28 does not cancel a handler on disconnect by
/// itself; `consumeWithCancellationOnInboundClose` does, at a price: the connection is closed after
/// the response (announced with `Connection: close`). So this wraps only POSTs (the turn routes);
/// reads keep their keep-alive connection.
///
/// A handler cancelled this way ends in a `CancellationError`, which `ErrorMiddleware` answers with
/// `APIError.clientClosedRequest` (499), like any other cancelled request.
struct CancelOnDisconnectMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        // A streamed turn runs in its response body and watches the connection itself
        // (`TurnEventStream`); the handler only validates and returns at once.
        guard request.method == .post, !TurnEventStream.isRequested(by: request) else { return try await next(request, context) }
        var response = try await request.body.consumeWithCancellationOnInboundClose { body in
            var request = request
            request.body = body
            return try await next(request, context)
        }
        // The connection closes after this response: say so, so that a client opens a new one for
        // its next request instead of finding this one closed under it (HTTP/1.1 section 9.6).
        response.headers[.connection] = "close"
        return response
    }
}
