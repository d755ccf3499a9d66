import NIOCore
import NIOHTTPTypes

/// Notices a client that stopped sending: its connection's input closed (FIN or reset).
///
/// Hummingbird allows remote half-closure, so a client that goes away does not close the channel
/// until the server writes to it; a streamed turn waiting for its provider would not notice for
/// a long while. This handler completes `inboundClosed` as soon as the input ends, and the stream
/// (`TurnEventStream`) cancels its turn on it.
final class InboundCloseWatcher: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart

    private var closed: EventLoopPromise<Void>?

    func handlerAdded(context: ChannelHandlerContext) {
        closed = context.eventLoop.makePromise(of: Void.self)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        closed?.succeed()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed { closed?.succeed() }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        closed?.succeed()
        context.fireChannelInactive()
    }

    /// Completes when the client's input closes; nil when the channel has no watcher (router tests).
    static func inboundClosed(on channel: any Channel) async -> EventLoopFuture<Void>? {
        try? await channel.eventLoop.submit {
            try channel.pipeline.syncOperations.handler(type: InboundCloseWatcher.self).closed?.futureResult
        }.get()
    }
}

@available(*, unavailable)
extension InboundCloseWatcher: Sendable {}
