import Hummingbird
import NIOCore

/// A request context that knows its client's connection.
protocol ChannelRequestContext: RequestContext {
    var channel: any Channel { get }
}

extension SigmarisRequestContext: ChannelRequestContext {}

/// Cancels the handler of a POST when its client goes away, so a turn waiting in the user's queue
/// leaves it at once (`UserTurnLock` waiters are cancellation-aware) instead of running, and maybe
/// paying for a model call, for nobody. Hummingbird 2.28 does not cancel a handler on disconnect by
/// itself.
///
/// Hummingbird's `consumeWithCancellationOnInboundClose` would, but it reads the connection past the
/// request to see it close, so the connection must close after the response: every turn would pay
/// for a new TCP (and TLS) connection, and an answer produced by a thrown error (a 503) would close
/// it without saying so. The `InboundCloseWatcher` in the channel pipeline tells the same thing
/// without reading anything, so the connection stays keep-alive.
///
/// A handler cancelled this way ends in a `CancellationError`, which `ErrorMiddleware` answers with
/// `APIError.clientClosedRequest` (499), like any other cancelled request.
struct CancelOnDisconnectMiddleware<Context: ChannelRequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        // A streamed turn runs in its response body and watches the connection itself
        // (`TurnEventStream`); the handler only validates and returns at once.
        guard request.method == .post, !TurnEventStream.isRequested(by: request),
              let closeSignal = await InboundCloseWatcher.closeSignal(on: context.channel)
        else { return try await next(request, context) }

        return try await withoutActuallyEscaping(next) { next in
            let handler = HandlerTransfer(next: next)
            return try await withThrowingTaskGroup(of: Response?.self) { group in
                group.addTask { try await handler.next(request, context) }
                group.addTask {
                    for await _ in closeSignal {}
                    // The signal also ends when this task is cancelled: the handler finished first.
                    if Task.isCancelled { return nil }
                    throw CancellationError()
                }
                // The first child to finish decides: the handler's response, or the client leaving
                // (thrown here, which cancels the handler and waits for it before rethrowing).
                while let result = try await group.next() {
                    if let response = result {
                        group.cancelAll()
                        return response
                    }
                }
                throw CancellationError()
            }
        }
    }
}

/// The handler chain, passed into one child task of the group above.
///
/// `@unchecked Sendable` is safe here: the closure is called exactly once, from one child task, and
/// `withoutActuallyEscaping` plus the task group guarantee that it does not outlive the
/// `handle(_:context:next:)` call (the group awaits every child before it returns). Hummingbird's own
/// `consumeWithCancellationOnInboundClose` passes its operation the same way.
private struct HandlerTransfer<Context: RequestContext>: @unchecked Sendable {
    let next: (Request, Context) async throws -> Response
}
