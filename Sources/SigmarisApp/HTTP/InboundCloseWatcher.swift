import NIOCore
import NIOHTTPTypes

/// Notices a client that went away: its connection's input closed (FIN or reset).
///
/// Hummingbird allows remote half-closure, so a client that goes away does not close the channel
/// until the server writes to it; a turn waiting for its provider would not notice for a long while.
/// A request that wants to know subscribes (`closeSignal(on:)`) and is told as soon as the input
/// ends. Unlike Hummingbird's `consumeWithCancellationOnInboundClose`, watching reads nothing of the
/// connection, so it stays keep-alive: the next request on it is Hummingbird's to read as usual.
///
/// The subscriptions live only as long as their requests: a keep-alive connection serving a
/// thousand turns holds no callback of the turns that have ended.
final class InboundCloseWatcher: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart

    private var isClosed = false
    private var nextID = 0
    private var subscribers: [Int: AsyncStream<Void>.Continuation] = [:]

    func handlerRemoved(context: ChannelHandlerContext) {
        closed()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed { closed() }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        closed()
        context.fireChannelInactive()
    }

    private func closed() {
        isClosed = true
        let ending = subscribers
        subscribers = [:]
        for continuation in ending.values { continuation.finish() }
    }

    /// Called on the channel's event loop only.
    private func subscribe(_ continuation: AsyncStream<Void>.Continuation, eventLoop: any EventLoop) {
        guard !isClosed else { return continuation.finish() }
        let id = nextID
        nextID += 1
        subscribers[id] = continuation
        // The subscriber stopped listening (its request ended, or its task was cancelled): forget it.
        // `onTermination` may run on any thread; the dictionary belongs to the event loop.
        let handler = NIOLoopBound(self, eventLoop: eventLoop)
        continuation.onTermination = { _ in
            eventLoop.execute { handler.value.subscribers[id] = nil }
        }
    }

    /// A sequence that ends when the client's input closes, or at once when it already has; nil when
    /// the channel has no watcher (router tests). Stop iterating it (or drop it) when the request
    /// ends, and the subscription goes with it.
    static func closeSignal(on channel: any Channel) async -> AsyncStream<Void>? {
        let (signal, continuation) = AsyncStream<Void>.makeStream()
        let subscribed: Bool = await (try? channel.eventLoop.submit {
            let watcher = try channel.pipeline.syncOperations.handler(type: InboundCloseWatcher.self)
            watcher.subscribe(continuation, eventLoop: channel.eventLoop)
            return true
        }.get()) ?? false
        guard subscribed else {
            continuation.finish()
            return nil
        }
        return signal
    }
}

@available(*, unavailable)
extension InboundCloseWatcher: Sendable {}
