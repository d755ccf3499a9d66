import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// Closes the connection of a client too slow to send its request, so connections that trickle
/// bytes cannot pile up and hold sockets, memory and handler tasks forever:
/// - the request head must be complete within `headerTimeout` of the connection opening or of the
///   previous response (so it also bounds an idle keep-alive connection);
/// - the body must be complete within `bodyTimeout` of the head (a total, not per chunk: a byte a
///   second never resets it).
///
/// While the service works on a request (a turn may wait for a model for a minute) nothing is timed
/// here. Hummingbird 2.28's own `idleTimeout` cannot do this: it is restarted by every body chunk.
final class RequestReadTimeoutHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private enum Phase { case waitingForHead, readingBody, responding }

    let headerTimeout: TimeAmount
    let bodyTimeout: TimeAmount
    private var phase = Phase.waitingForHead
    private var deadline: Scheduled<Void>?

    init(headerTimeout: TimeAmount, bodyTimeout: TimeAmount) {
        self.headerTimeout = headerTimeout
        self.bodyTimeout = bodyTimeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { arm(headerTimeout, context: context) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        disarm()
    }

    func channelActive(context: ChannelHandlerContext) {
        arm(headerTimeout, context: context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        disarm()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            phase = .readingBody
            arm(bodyTimeout, context: context)
        case .body:
            break
        case .end:
            phase = .responding
            disarm()
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        // After the response, the next request's head is timed. A response sent before the body
        // was read (a 413, a 401) leaves the body's deadline running.
        if case .end = unwrapOutboundIn(data), phase == .responding {
            phase = .waitingForHead
            arm(headerTimeout, context: context)
        }
        context.write(data, promise: promise)
    }

    private func arm(_ timeout: TimeAmount, context: ChannelHandlerContext) {
        disarm()
        deadline = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) {
            context.close(promise: nil)
        }
    }

    private func disarm() {
        deadline?.cancel()
        deadline = nil
    }
}

@available(*, unavailable)
extension RequestReadTimeoutHandler: Sendable {}
