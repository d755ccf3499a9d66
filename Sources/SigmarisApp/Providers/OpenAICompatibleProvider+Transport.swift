import Foundation
import SigmarisCurl

extension OpenAICompatibleProvider {
    enum Endpoint {
        case chat
        case embeddings

        var path: String {
            switch self {
            case .chat: "chat/completions"
            case .embeddings: "embeddings"
            }
        }
    }

    /// A decoded answer and how many sends it took (for error reports made after decoding).
    struct Answer<Value> {
        let value: Value
        let attempts: Int
    }

    /// POSTs `body` as JSON and decodes a 2xx answer; everything else becomes a `ProviderError`.
    /// `timeout` bounds the whole call (see `Timeouts`).
    func post<Body: Encodable, Value: Decodable>(
        _ endpoint: Endpoint,
        body: Body,
        timeout: Duration,
        decoding: Value.Type
    ) async throws(ProviderError) -> Answer<Value> {
        let bytes = try encode(body, for: endpoint)
        let request = TurnProviderBudget.bounding(HTTPRequest(
            method: .post, url: baseURL + "/" + endpoint.path, headers: headers(accepting: "application/json"), body: bytes
        ).within(timeout))
        let place = try await enterGate(for: request, endpoint: endpoint)
        defer { place?.leave() }
        let (response, attempts) = try await sendRetrying(request, holding: place, endpoint: endpoint)
        guard (200..<300).contains(response.status) else {
            throw rejection(response, endpoint: endpoint, attempts: attempts)
        }
        do {
            return Answer(value: try JSONDecoder().decode(Value.self, from: Data(response.body)), attempts: attempts)
        } catch {
            throw ProviderError(
                code: .malformedResponse, endpoint: endpoint.path, attempts: attempts,
                detail: Self.decodingSummary(error)
            )
        }
    }

    /// A place at the provider's gate for one call (nil without a gate); the caller leaves it once
    /// the answer is read.
    func enterGate(for request: HTTPRequest, endpoint: Endpoint) async throws(ProviderError) -> OutboundGate.Place? {
        guard let gate else { return nil }
        do {
            return try await gate.enter(for: request)
        } catch {
            throw failure(error, endpoint: endpoint, attempts: 0)
        }
    }

    func encode<Body: Encodable>(_ body: Body, for endpoint: Endpoint) throws(ProviderError) -> [UInt8] {
        do {
            return Array(try JSONEncoder().encode(body))
        } catch {
            throw ProviderError(code: .invalidRequest, endpoint: endpoint.path, attempts: 0, detail: "body not encodable")
        }
    }

    /// A JSON body, answered as `accept` (JSON, or `text/event-stream` for a streamed reply).
    func headers(accepting accept: String) -> [(name: String, value: String)] {
        var headers: [(name: String, value: String)] = [
            ("Content-Type", "application/json"),
            ("Accept", accept),
        ]
        if let apiKey { headers.append(("Authorization", "Bearer " + apiKey)) }
        return headers
    }

    /// The failure a non-2xx answer (after retries) becomes, buffered or streamed alike.
    func rejection(_ response: HTTPResponse, endpoint: Endpoint, attempts: Int) -> ProviderError {
        ProviderError(
            code: .http(status: response.status), endpoint: endpoint.path, attempts: attempts,
            detail: errorExcerpt(response.body)
        )
    }

    /// Sends with backoff on 429/5xx and connection failures, up to the policy's attempts and
    /// within the request's deadline, through the shared retry loop (`CurlHTTPClient.sendRetrying`).
    ///
    /// Unlike `CurlHTTPClient.send(_:retry:)`, a timeout is not retried: a model that just used up
    /// the whole timeout would make the user wait a multiple of it before the fallback reply.
    private func sendRetrying(
        _ request: HTTPRequest,
        holding place: OutboundGate.Place?,
        endpoint: Endpoint
    ) async throws(ProviderError) -> (HTTPResponse, attempts: Int) {
        do {
            return try await http.sendRetrying(
                request, policy: retry, holding: place, logger: logger,
                isRetryable: { isRetryable($0, method: request.method) },
                onRetry: { logRetry(endpoint: endpoint, attempt: $0, delay: $1) }
            )
        } catch {
            throw failure(error, endpoint: endpoint)
        }
    }

    func logRetry(endpoint: Endpoint, attempt: Int, delay: Duration) {
        logger.debug(
            "retrying persona provider request",
            metadata: [
                "provider.endpoint": "\(endpoint.path)",
                "provider.attempt": "\(attempt)",
                "provider.retry_delay_ms": "\(Int((delay / .milliseconds(1)).rounded()))",
            ]
        )
    }

    /// The failure a send that gave up (after retries) becomes.
    func failure(_ error: RetriedSendFailure, endpoint: Endpoint) -> ProviderError {
        if error.cancelledWhileWaiting {
            return ProviderError(code: .cancelled, endpoint: endpoint.path, attempts: error.attempts)
        }
        return failure(error.error, endpoint: endpoint, attempts: error.attempts)
    }

    /// The failure one transfer's error (or the gate's refusal) becomes.
    func failure(_ error: OutboundHTTPError, endpoint: Endpoint, attempts: Int) -> ProviderError {
        ProviderError(
            code: Self.code(for: error), endpoint: endpoint.path, attempts: attempts, detail: error.description,
            retryAfterSeconds: error.retryAfterSeconds)
    }

    /// A refused connection never reached the server; a reset one may have, so it is re-sent
    /// only when the policy allows re-sending the method.
    func isRetryable(_ error: OutboundHTTPError, method: HTTPMethod) -> Bool {
        switch error.code {
        case .couldNotConnect: true
        case .transport: retry.mayResend(method)
        case .timedOut, .invalidURL, .invalidRequest, .tls, .responseTooLarge, .cancelled, .shutdown, .busy, .unavailable: false
        }
    }

    private static func code(for error: OutboundHTTPError) -> ProviderError.Code {
        switch error.code {
        case .timedOut: .timeout
        case .cancelled: .cancelled
        case .invalidURL, .invalidRequest: .invalidRequest
        case .busy: .busy
        case .unavailable: .unavailable
        case .couldNotConnect, .tls, .responseTooLarge, .transport, .shutdown: .transport
        }
    }

    /// The server's structured error (`{"error": {"type", "code", "message"}}`) cut short and
    /// redacted; nil for any other body, which could hold anything (HTML from a proxy, echoes).
    func errorExcerpt(_ body: [UInt8]) -> String? {
        guard let error = try? JSONDecoder().decode(APIErrorBody.self, from: Data(body)).error else { return nil }
        let labels = [error.type.map { "type=\($0)" }, error.code.map { "code=\($0)" }].compactMap { $0 }
        var text = labels.joined(separator: " ")
        if let message = error.message, !message.isEmpty {
            text += (text.isEmpty ? "" : ": ") + message
        }
        guard !text.isEmpty else { return nil }
        return ProviderError.excerpt(text, removing: [apiKey].compactMap { $0 })
    }

    /// Where the JSON did not fit, named by our own coding keys only (never a value from the body).
    static func decodingSummary(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "undecodable body" }
        func path(_ keys: [any CodingKey]) -> String {
            let parts = keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return parts.isEmpty ? "the top level" : String(parts.drop { $0 == "." })
        }
        switch error {
        case .keyNotFound(let key, let context):
            return "missing \(path(context.codingPath + [key]))"
        case .valueNotFound(_, let context):
            return "null at \(path(context.codingPath))"
        case .typeMismatch(_, let context):
            return "wrong type at \(path(context.codingPath))"
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty ? "body is not JSON" : "invalid value at \(path(context.codingPath))"
        @unknown default:
            return "undecodable body"
        }
    }
}
