import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import SigmarisEngine
import SigmarisJSON

/// A turn answered as Server-Sent Events: an optional `start` event, `delta` events while the reply
/// is produced, then `done` with exactly the body the JSON route returns, or `error` with the JSON
/// error body (`{error, reason}`, plus `trace_id` when the route names one).
///
/// Everything that can be refused with a 4xx (auth, validation, rate limit) is decided before this
/// response exists; what fails afterwards (provider, database, a conflicting turn) can only be
/// told in an `error` event. The turn runs inside the response body, so the turn's task lives as
/// long as the stream: when the client's connection closes (or a write to it fails) the turn is
/// cancelled, which cancels the provider request and leaves nothing stored.
struct TurnEventStream {
    /// A keep-alive comment while nothing else is sent, so proxies keep the connection open and a
    /// client that went away is noticed by a failed write even before its connection is seen closed.
    static let keepAliveInterval = Duration.seconds(15)

    /// True when the request asks for `text/event-stream`.
    static func isRequested(by request: Request) -> Bool {
        request.headers[values: .accept].contains { value in
            value.split(separator: ",").contains { range in
                range.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased() == "text/event-stream"
            }
        }
    }

    /// - Parameters:
    ///   - lease: the turn's place among the turns in flight (`TurnAdmission`), held until the stream
    ///     ends however it ends, and given back if the body never runs.
    ///   - start: the event written before the turn runs (`/persona/chat/stream`'s `start`); none when nil.
    ///   - traceID: added to the `error` event's data as `trace_id` when set.
    ///   - turn: runs the turn, handing each piece of the reply to its argument, and returns the
    ///     `done` body; anything it throws becomes the `error` event (mapped like any error).
    static func response<Done: Encodable & Sendable>(
        context: SigmarisRequestContext,
        headers: HTTPFields = [:],
        holding lease: InFlightLease,
        start: OutgoingEvent? = nil,
        traceID: String? = nil,
        turn: @escaping @Sendable (_ deltas: @escaping ReplyDeltaListener) async throws -> Done
    ) -> Response {
        var fields = headers
        fields[.contentType] = "text/event-stream; charset=utf-8"
        fields[.cacheControl] = "no-store"
        fields[.xAccelBuffering] = "no"
        // The response ends the connection: a streamed turn is a long request of its own.
        fields[.connection] = "close"
        let (logger, channel, outcome) = (context.logger, context.channel, context.streamOutcome)
        return Response(status: .ok, headers: fields, body: ResponseBody { writer in
            defer { lease.release() }
            let (outgoing, source) = AsyncStream.makeStream(of: Outgoing.self)
            channel.closeFuture.whenComplete { _ in source.yield(.connectionClosed) }
            let inboundClosed = await InboundCloseWatcher.closeSignal(on: channel)
            try await withThrowingTaskGroup(of: Void.self) { group in
                if let inboundClosed {
                    group.addTask {
                        for await _ in inboundClosed {}
                        if !Task.isCancelled { source.yield(.connectionClosed) }
                    }
                }
                group.addTask {
                    if let start { source.yield(.event(start)) }
                    let last = await Self.events(of: turn, into: source, traceID: traceID, logger: logger)
                    source.yield(.event(last))
                    source.yield(.end)
                }
                group.addTask {
                    while !Task.isCancelled {
                        try await Task.sleep(for: keepAliveInterval)
                        source.yield(.bytes(ByteBuffer(string: ": keep-alive\n\n")))
                    }
                }
                loop: for await item in outgoing {
                    switch item {
                    case .bytes(let buffer): try await writer.write(buffer)
                    case .event(let event):
                        try await writer.write(ByteBuffer(string: event.encoded()))
                        // The closing event is written: the turn's outcome is the client's to see.
                        if event.name == "done" { outcome.report(.done) } else if event.name == "error" { outcome.report(.error) }
                    case .end: break loop
                    case .connectionClosed:
                        outcome.report(.cancelled)
                        throw CancellationError()
                    }
                }
                group.cancelAll()
            }
            try await writer.finish(nil)
        })
    }

    private enum Outgoing: Sendable {
        case bytes(ByteBuffer)
        case event(OutgoingEvent)
        case end
        case connectionClosed
    }

    /// Runs the turn, sending its deltas as they come; returns the closing event.
    private static func events<Done: Encodable & Sendable>(
        of turn: @Sendable (_ deltas: @escaping ReplyDeltaListener) async throws -> Done,
        into source: AsyncStream<Outgoing>.Continuation,
        traceID: String?,
        logger: Logger
    ) async -> OutgoingEvent {
        do {
            let done = try await turn { text in
                try Task.checkCancellation()
                source.yield(.event(try .json("delta", Delta(text: text))))
            }
            return try .json("done", done)
        } catch {
            let failure = ErrorMiddleware<SigmarisRequestContext>.map(error, logger: logger)
            let body = ErrorEvent(error: failure.message, reason: failure.reason ?? "http_\(failure.status.code)", traceID: traceID)
            return (try? .json("error", body)) ?? OutgoingEvent(name: "error", data: "{}")
        }
    }

    private struct Delta: Encodable { var text: String }

    private struct ErrorEvent: Encodable {
        var error: String
        var reason: String
        var traceID: String?

        enum CodingKeys: String, CodingKey {
            case error, reason
            case traceID = "trace_id"
        }

        /// `trace_id` only when there is one (`JSONValueEncoder` writes a nil optional as null).
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(error, forKey: .error)
            try container.encode(reason, forKey: .reason)
            if let traceID { try container.encode(traceID, forKey: .traceID) }
        }
    }
}

extension HTTPField.Name {
    /// Tells nginx-style proxies not to buffer the stream.
    static let xAccelBuffering = HTTPField.Name("X-Accel-Buffering")!
}
