import Logging
import SigmarisCurl
import SigmarisEngine
import SigmarisJSON

extension RemoteCoreClient {
    /// `chat`, streamed: each piece of the reply handed to `onDelta` as it arrives from the core,
    /// and `{reply, meta}` as the answer (the model from the `x-sigmaris-model` header, when the core
    /// sends one). The turn is sent to the core once, to whichever route serves it:
    ///
    /// - `POST {core}/persona/chat/stream` (the later reference) unless the core is known not to
    ///   have it (`CoreStreamSupport`): `start` is read past, `delta` `{text}` handed on, `done`
    ///   `{reply, meta}` is the answer, `error` fails the turn. A 404 or 405 there means the core has
    ///   no such route: nothing ran, and the same turn goes to `/persona/chat`.
    /// - `POST {core}/persona/chat` with `Accept: text/event-stream`: a core that streams it (this
    ///   service) answers with the same events; a core that does not (the reference at the seed)
    ///   answers `{reply, meta}` as JSON, whose reply is then handed on as the one piece.
    ///
    /// A non-200 answer, an `error` event, a stream that ends without `done`, an answer that is not
    /// `{reply, meta}`, or a transport failure is a 502 (`reason: core_failed`); a call the gate
    /// refused is a 503 (`provider_busy`, `provider_unavailable`). A cancelled task aborts the
    /// transfer and throws `CancellationError`; whatever `onDelta` throws is rethrown unchanged (and
    /// aborts the transfer). The call holds one place at the gate until the answer is read, and
    /// `timeout` bounds both requests together.
    func streamChat(
        userID: String, sessionID: String, message: String, logger: Logger,
        onDelta: (String) async throws -> Void
    ) async throws -> Answer {
        guard streams else {
            let answer = try await chat(userID: userID, sessionID: sessionID, message: message, logger: logger)
            try await onDelta(answer.reply)
            return answer
        }
        let start = ContinuousClock.now
        let triesStreamRoute = streamSupport.triesStreamRoute(now: start)
        let request = { (route: Route) in
            try chatRequest(route, userID: userID, sessionID: sessionID, message: message, accept: "text/event-stream", from: start)
        }
        let first = try request(triesStreamRoute ? .chatStream : .chat)
        let place = try await enterGate(for: first, logger: logger)
        defer { place?.leave() }
        var response = try await open(first, holding: place, logger: logger)
        if triesStreamRoute {
            guard response.head.status == 404 || response.head.status == 405 else {
                if (200..<300).contains(response.head.status) { streamSupport.learn(hasStreamRoute: true) }
                return try await Self.answer(from: &response, logger: logger, onDelta: onDelta)
            }
            streamSupport.learn(hasStreamRoute: false)
            logger.info("remote core has no /persona/chat/stream; streamed turns go to /persona/chat", metadata: [
                "sigmaris.status": "\(response.head.status)",
            ])
            // Read the short refusal whole, so its connection can carry the turn.
            _ = try? await response.collectBody(upTo: 16 * 1024)
            response = try await open(try request(.chat), holding: place, logger: logger)
        }
        return try await Self.answer(from: &response, logger: logger, onDelta: onDelta)
    }

    /// Sends `request` once (a turn is not idempotent: it stores rows) and waits for its head.
    private func open(_ request: HTTPRequest, holding place: OutboundGate.Place?, logger: Logger) async throws -> OpenedHTTPStream {
        do {
            return try await RetryPolicy.none.retrying(
                request, holding: place, isRetryable: { _ in false }, onRetry: { _, _ in },
                status: { (stream: OpenedHTTPStream) in (stream.head.status, nil) },
                attempt: { (_: Int) async throws(OutboundHTTPError) -> OpenedHTTPStream in
                    try await http.open(request, logger: logger)
                }
            ).outcome
        } catch {
            throw Self.failure(error.error, logger: logger)
        }
    }

    /// The turn's answer from either route's response: events when the core streams, read with the
    /// one SSE read loop (`readEvents`); otherwise a JSON `{reply, meta}`, whose reply is the one delta.
    private static func answer(
        from response: inout OpenedHTTPStream, logger: Logger, onDelta: (String) async throws -> Void
    ) async throws -> Answer {
        guard response.head.status == 200 else {
            throw failure("core answered \(response.head.status)", logger: logger)
        }
        let model = response.head.headerValue(PersonaChatController.modelHeader.rawName)
        let contentType = response.head.headerValue("content-type")?.lowercased() ?? ""
        guard contentType.hasPrefix("text/event-stream") else {
            let body: [UInt8]
            do {
                // Bounded by the client's own cap on a response (`maxResponseBytes`).
                body = try await response.collectBody(upTo: .max)
            } catch {
                throw failure(error, logger: logger)
            }
            let whole = try answer(json: body, model: model, logger: logger)
            try await onDelta(whole.reply)
            return whole
        }
        var logger = logger
        let done: Answer? = try await response.readEvents(transportFailure: { failure($0, logger: logger) }) { event in
            if event.event == "start", let traceID = (try? JSONValue(parsing: Array(event.data.utf8)))?["trace_id"]?.stringValue {
                // The core's trace id, known before its answer: on this turn's log lines from here on.
                logger[metadataKey: "sigmaris.trace_id"] = "\(traceID.prefix(64))"
                return nil
            }
            return try await handle(event, model: model ?? "remote", logger: logger, onDelta: onDelta)
        }
        guard let done else {
            throw failure("core stream ended before done", logger: logger)
        }
        return done
    }

    /// One event of the core's stream: a `delta` is handed on, `done` is the answer, `error` fails;
    /// `start` and events this client does not know are passed over, as SSE clients do.
    private static func handle(
        _ event: ServerSentEvent, model: String, logger: Logger, onDelta: (String) async throws -> Void
    ) async throws -> Answer? {
        let data = try? JSONValue(parsing: Array(event.data.utf8))
        switch event.event {
        case "delta":
            guard let text = data?["text"]?.stringValue else {
                throw failure("core delta is not {text}", logger: logger)
            }
            try await onDelta(text)
            return nil
        case "done":
            return try answer(json: Array(event.data.utf8), model: model, logger: logger)
        case "error":
            let reason = data?["reason"]?.stringValue.map { " (\($0.prefix(40)))" } ?? ""
            throw failure("core stream failed" + reason, logger: logger)
        default:
            return nil
        }
    }
}
