import Foundation
import Logging
import SigmarisCurl
import SigmarisEngine

/// A persona provider over any OpenAI-compatible server (OpenAI, Ollama, llama.cpp, vLLM ...):
/// `chat/completions` for replies and `embeddings` for memory and safety vectors.
///
/// It only throws `ProviderError`; whether a failed reply becomes the fallback sentence or a
/// failed request is the engine's decision.
public struct OpenAICompatibleProvider: PersonaProvider {
    /// The whole time one call may take: every attempt, the waits between them, and the wait for a
    /// place at the provider's gate (`SIGMARIS_PROVIDER_TIMEOUT` for both). The connect timeout is
    /// the HTTP client's.
    public struct Timeouts: Sendable {
        public var chat: Duration
        public var embeddings: Duration

        public init(chat: Duration = .seconds(60), embeddings: Duration = .seconds(30)) {
            self.chat = chat
            self.embeddings = embeddings
        }
    }

    public let modelName: String
    public let embeddingModel: String
    /// Without a trailing slash, so endpoint paths append cleanly.
    let baseURL: String
    let apiKey: String?
    let timeouts: Timeouts
    let retry: RetryPolicy
    let temperature: Double?
    let http: CurlHTTPClient
    /// Whether `streamReply` streams; otherwise a reply is handed over in one piece.
    let streamsReplies: Bool
    /// Bounds the calls in flight to the server and fails them fast while it is down; nil: none.
    let gate: OutboundGate?
    let logger: Logger
    /// Told the `usage` of every successful answer (for the token metrics).
    let usageObserver: (@Sendable (ProviderTokenUsage) -> Void)?

    /// A policy for model calls: completions and embeddings have no side effects beyond cost, so
    /// POSTs may be re-sent; Retry-After is honoured up to 10 s, beyond which waiting would cost
    /// the user more than the fallback reply does.
    public static let defaultRetryPolicy = RetryPolicy(
        maxAttempts: 3,
        baseBackoff: .milliseconds(500),
        multiplier: 2,
        maxBackoff: .seconds(4),
        maxRetryAfter: .seconds(10),
        retriesNonIdempotentRequests: true
    )

    /// - Parameters:
    ///   - baseURL: e.g. `https://api.openai.com/v1` or `http://127.0.0.1:11434/v1`.
    ///   - apiKey: sent as a bearer token only when non-empty; local servers need none.
    ///   - temperature: nil leaves sampling to the server (the spec fixes none).
    ///   - streamsReplies: whether `streamReply` streams (false answers it in one piece).
    ///   - gate: every call (embeddings and replies alike) takes a place there first.
    public init(
        baseURL: String,
        apiKey: String?,
        personaModel: String,
        embeddingModel: String,
        http: CurlHTTPClient,
        streamsReplies: Bool = false,
        gate: OutboundGate? = nil,
        logger: Logger,
        timeouts: Timeouts = Timeouts(),
        retry: RetryPolicy = Self.defaultRetryPolicy,
        temperature: Double? = nil,
        usageObserver: (@Sendable (ProviderTokenUsage) -> Void)? = nil
    ) {
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        self.baseURL = base
        let key = apiKey?.trimmingCharacters(in: .whitespacesAndNewlines)
        self.apiKey = (key?.isEmpty ?? true) ? nil : key
        self.modelName = personaModel
        self.embeddingModel = embeddingModel
        self.http = http
        self.streamsReplies = streamsReplies
        self.gate = gate
        self.logger = logger
        self.timeouts = timeouts
        self.retry = retry
        self.temperature = temperature
        self.usageObserver = usageObserver
    }

    public func embed(_ texts: [String]) async throws -> [[Float]] {
        guard !texts.isEmpty else { return [] }
        let endpoint = Endpoint.embeddings
        let answer = try await post(
            endpoint, body: EmbeddingRequest(model: embeddingModel, input: texts),
            timeout: timeouts.embeddings, decoding: EmbeddingResponse.self
        )
        report(answer.value.usage, for: .embed)
        // The API documents `index` as the position in `input`; servers may answer out of order.
        let sorted = answer.value.data.sorted { $0.index < $1.index }
        guard sorted.map(\.index) == Array(texts.indices) else {
            throw ProviderError(
                code: .malformedResponse, endpoint: endpoint.path, attempts: answer.attempts,
                detail: "expected \(texts.count) embeddings indexed 0..<\(texts.count), got \(sorted.count)"
            )
        }
        return sorted.map(\.embedding)
    }

    public func reply(to request: ReplyRequest) async throws -> String {
        try await chat(system: request.systemPrompt, user: request.userContent)
    }

    /// One `chat/completions` call with a system and a user message, answered in one piece: the
    /// persona's reply, and the reference app's helpers (`/api/summary`, `/api/translate`).
    func chat(system: String, user: String) async throws -> String {
        let endpoint = Endpoint.chat
        let body = chatBody(system: system, user: user, streamed: false)
        let answer = try await post(endpoint, body: body, timeout: timeouts.chat, decoding: ChatCompletionResponse.self)
        report(answer.value.usage, for: .reply)
        guard let content = answer.value.choices.first?.message.content else {
            throw ProviderError(
                code: .malformedResponse, endpoint: endpoint.path, attempts: answer.attempts,
                detail: "no text content in choices[0].message"
            )
        }
        return content
    }

    /// The `chat/completions` body of one call, streamed (with the usage in the last chunk) or not.
    func chatBody(system: String, user: String, streamed: Bool) -> ChatCompletionRequest {
        ChatCompletionRequest(
            model: modelName,
            messages: [
                .init(role: "system", content: system),
                .init(role: "user", content: user),
            ],
            temperature: temperature,
            stream: streamed ? true : nil,
            streamOptions: streamed ? .init(includeUsage: true) : nil
        )
    }

    func report(_ usage: TokenUsage?, for operation: ProviderOperation) {
        guard let usageObserver, let usage else { return }
        usageObserver(ProviderTokenUsage(
            operation: operation, promptTokens: usage.promptTokens, completionTokens: usage.completionTokens))
    }
}

// The struct holds the API key: keep it out of `print`, string interpolation and `dump`.
extension OpenAICompatibleProvider: CustomStringConvertible, CustomReflectable {
    public var description: String {
        "OpenAICompatibleProvider(model: \(modelName), embeddingModel: \(embeddingModel), authorized: \(apiKey != nil))"
    }

    public var customMirror: Mirror { Mirror(self, children: ["description": description]) }
}
