import Foundation
import SigmarisCurl
import SigmarisEngine

extension OpenAICompatibleProvider {
    /// The most of a non-2xx streamed answer read for its error excerpt.
    static let errorBodyLimit = 64 * 1024

    /// `chat/completions` with `"stream": true`: each `choices[0].delta.content` piece goes to
    /// `onDelta` as its server-sent event arrives, and the `usage` of the last chunk to the usage
    /// observer.
    ///
    /// - A non-2xx answer is read whole (up to ``errorBodyLimit``) and fails like `reply(to:)`
    ///   does, after the same retries. Retries happen only before the stream's head was accepted,
    ///   so never after a piece was handed over.
    /// - The reply is complete only with `data: [DONE]`: a body that ends before it (even after
    ///   some pieces) is a `malformedResponse`, since a reply cut short must not pass for a whole
    ///   one. An `{"error": …}` event is a `transport` failure carrying the server's message.
    /// - `timeouts.chat` bounds the whole call, the stream to its end included; the call holds its
    ///   place at the gate until then.
    /// - Whatever `onDelta` throws is rethrown unchanged, and the transfer is aborted.
    public func streamReply(to request: ReplyRequest, onDelta: (String) async throws -> Void) async throws -> String {
        try await streamChat(system: request.systemPrompt, user: request.userContent, onDelta: onDelta)
    }

    /// `chat(system:user:)`, streamed as `streamReply(to:onDelta:)` describes.
    func streamChat(system: String, user: String, onDelta: (String) async throws -> Void) async throws -> String {
        guard streamsReplies else {
            let reply = try await chat(system: system, user: user)
            try await onDelta(reply)
            return reply
        }
        let endpoint = Endpoint.chat
        let httpRequest = TurnProviderBudget.bounding(HTTPRequest(
            method: .post, url: baseURL + "/" + endpoint.path, headers: headers(accepting: "text/event-stream"),
            body: try encode(chatBody(system: system, user: user, streamed: true), for: endpoint)
        ).within(timeouts.chat))
        let place = try await enterGate(for: httpRequest, endpoint: endpoint)
        defer { place?.leave() }
        var (stream, attempts) = try await openRetrying(httpRequest, holding: place, endpoint: endpoint)
        return try await readReply(from: &stream, endpoint: endpoint, attempts: attempts, onDelta: onDelta)
    }

    private enum StreamAttempt {
        case accepted(OpenedHTTPStream)
        case rejected(HTTPResponse)
    }

    /// Opens the stream through the shared retry loop; a 2xx head ends it, a retryable status or
    /// failure is retried as `post` retries.
    private func openRetrying(
        _ request: HTTPRequest,
        holding place: OutboundGate.Place?,
        endpoint: Endpoint
    ) async throws(ProviderError) -> (OpenedHTTPStream, attempts: Int) {
        let result: (outcome: StreamAttempt, attempts: Int)
        do {
            result = try await retry.retrying(
                request,
                holding: place,
                isRetryable: { isRetryable($0, method: request.method) },
                onRetry: { logRetry(endpoint: endpoint, attempt: $0, delay: $1) },
                status: { attempt in
                    switch attempt {
                    case .accepted(let stream): (stream.head.status, nil)
                    case .rejected(let response): (response.status, response.headerValue("retry-after"))
                    }
                },
                attempt: { (_: Int) async throws(OutboundHTTPError) -> StreamAttempt in
                    var stream = try await http.open(request, logger: logger)
                    guard (200..<300).contains(stream.head.status) else {
                        let body = try await stream.collectBody(upTo: Self.errorBodyLimit)
                        return .rejected(HTTPResponse(status: stream.head.status, headers: stream.head.headers, body: body))
                    }
                    return .accepted(stream)
                }
            )
        } catch {
            throw failure(error, endpoint: endpoint)
        }
        switch result.outcome {
        case .accepted(let stream): return (stream, result.attempts)
        case .rejected(let response): throw rejection(response, endpoint: endpoint, attempts: result.attempts)
        }
    }

    /// The reply, read with the one SSE read loop (`readEvents`): it is whole at `data: [DONE]`.
    private func readReply(
        from stream: inout OpenedHTTPStream,
        endpoint: Endpoint,
        attempts: Int,
        onDelta: (String) async throws -> Void
    ) async throws -> String {
        var reply = ""
        var usage: TokenUsage?
        let finished: Bool? = try await stream.readEvents(transportFailure: { failure($0, endpoint: endpoint, attempts: attempts) }) { event in
            if event.data == "[DONE]" { return true }
            let chunk = try decodeChunk(event.data, endpoint: endpoint, attempts: attempts)
            usage = chunk.usage ?? usage
            guard let text = chunk.text, !text.isEmpty else { return nil }
            reply += text
            try await onDelta(text)
            return nil
        }
        guard finished != nil else {
            throw ProviderError(
                code: .malformedResponse, endpoint: endpoint.path, attempts: attempts,
                detail: reply.isEmpty ? "stream ended before [DONE]" : "stream ended before [DONE], reply incomplete")
        }
        report(usage, for: .reply)
        return reply
    }

    private func decodeChunk(_ data: String, endpoint: Endpoint, attempts: Int) throws(ProviderError) -> ChatCompletionChunk {
        let chunk: ChatCompletionChunk
        do {
            chunk = try JSONDecoder().decode(ChatCompletionChunk.self, from: Data(data.utf8))
        } catch {
            throw ProviderError(
                code: .malformedResponse, endpoint: endpoint.path, attempts: attempts,
                detail: "stream chunk: " + Self.decodingSummary(error))
        }
        guard !chunk.isError else {
            throw ProviderError(
                code: .transport, endpoint: endpoint.path, attempts: attempts,
                detail: errorExcerpt(Array(data.utf8)) ?? "error event in the stream")
        }
        return chunk
    }
}
