import Foundation
import Logging
import SigmarisApp
import SigmarisCurl
import SigmarisEngine
import SigmarisTestSupport
import Testing

/// Builds providers against a stub server, each test with a client of its own.
enum ProviderHarness {
    static let personaModel = "persona-test-model"
    static let embeddingModel = "embedding-test-model"
    static let apiKey = "sk-test-SECRET-0123456789"

    /// Milliseconds of backoff, no jitter: retry tests stay fast and deterministic.
    static let fastRetry = RetryPolicy(
        maxAttempts: 3, baseBackoff: .milliseconds(10), maxBackoff: .milliseconds(40),
        maxRetryAfter: .seconds(2), retriesNonIdempotentRequests: true, jitter: .none
    )

    static var logger: Logger {
        // To .test-artifacts/test-errors.log under make test (TestLogFile), not the terminal.
        TestLogFile.logger(label: "sigmaris.provider.test", level: .warning)
    }

    static func withProvider<T>(
        baseURL: String,
        apiKey: String? = ProviderHarness.apiKey,
        // Wide, so that a test about retries or errors never meets its deadline on a loaded runner
        // (the retries test once got .timeout after two attempts of a 500, under a fresh-clone CI
        // run's full parallel suite); the tests about timeouts pass their own.
        timeouts: OpenAICompatibleProvider.Timeouts = .init(chat: .seconds(30), embeddings: .seconds(30)),
        _ body: (OpenAICompatibleProvider) async throws -> T
    ) async throws -> T {
        try await withHTTPClient(requestTimeout: .seconds(10)) { http in
            try await body(OpenAICompatibleProvider(
                baseURL: baseURL, apiKey: apiKey, personaModel: personaModel, embeddingModel: embeddingModel,
                http: http, logger: logger, timeouts: timeouts, retry: fastRetry
            ))
        }
    }

    static func replyRequest(message: String = "hello there") -> ReplyRequest {
        ReplyRequest(
            message: message, userID: "user-1", sessionID: "session-1", globalState: .normal, prevState: nil,
            stateReasons: [], valueState: .zero, traitState: .zero, mergedSummary: nil,
            identityContext: IdentityContext(topicLabel: "新規トピック: hello", hasPastContext: false, memoryPreview: nil)
        )
    }

    /// Runs `operation`, expecting a `ProviderError`.
    static func expectProviderError<T>(
        sourceLocation: SourceLocation = #_sourceLocation,
        _ operation: () async throws -> T
    ) async -> ProviderError? {
        do {
            _ = try await operation()
            Issue.record("expected a ProviderError", sourceLocation: sourceLocation)
        } catch let error as ProviderError {
            return error
        } catch {
            Issue.record("unexpected error type: \(error)", sourceLocation: sourceLocation)
        }
        return nil
    }
}

/// A minimal OpenAI-compatible server behaviour: deterministic embeddings (answered in reverse
/// order, so callers must sort by `index`) and a fixed chat reply.
enum FakeOpenAI {
    static let dimension = 8
    static let reply = "Hello from the stub model."

    static func behavior(chat: @escaping @Sendable (StubRequest) -> StubResponse? = { _ in chatAnswer(reply) })
        -> StubHTTPServer.Behavior
    {
        { request, _ in
            if request.uri.hasSuffix("/embeddings") { return embeddingsAnswer(for: request) }
            if request.uri.hasSuffix("/chat/completions") { return chat(request) }
            return StubResponse(status: 404)
        }
    }

    static func chatAnswer(_ content: String) -> StubResponse {
        let body: [String: Any] = ["choices": [["index": 0, "message": ["role": "assistant", "content": content]]]]
        return StubResponse.json(String(decoding: try! JSONSerialization.data(withJSONObject: body), as: UTF8.self))
    }

    static func embeddingsAnswer(for request: StubRequest) -> StubResponse {
        let texts = inputs(of: request)
        let data: [[String: Any]] = texts.enumerated().reversed().map { index, text in
            ["object": "embedding", "index": index, "embedding": vector(for: text).map(Double.init)]
        }
        let body: [String: Any] = ["object": "list", "data": data, "model": "stub"]
        return StubResponse.json(String(decoding: try! JSONSerialization.data(withJSONObject: body), as: UTF8.self))
    }

    /// A fixed non-zero vector per text, so similarities are defined and repeatable.
    static func vector(for text: String) -> [Float] {
        var hash = FNV1a64.hash(Array(text.utf8))
        return (0..<dimension).map { _ in
            hash = hash &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(hash >> 40) / Float(1 << 24) + 0.01
        }
    }

    /// The `input` texts of an embeddings request.
    static func inputs(of request: StubRequest) -> [String] {
        (json(request)?["input"] as? [String]) ?? []
    }

    static func json(_ request: StubRequest) -> [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(request.body))) as? [String: Any]
    }
}

extension ProviderHarness {
    /// A provider that streams replies over its own client (shut down afterwards), handed to
    /// `body` too. The generous timeout is only a bound for a loaded machine; tests of the timeout
    /// pass their own.
    static func withStreamingProvider<T>(
        baseURL: String,
        timeouts: OpenAICompatibleProvider.Timeouts = .init(chat: .seconds(30), embeddings: .seconds(5)),
        usageObserver: (@Sendable (ProviderTokenUsage) -> Void)? = nil,
        _ body: (OpenAICompatibleProvider, CurlHTTPClient) async throws -> T
    ) async throws -> T {
        try await withHTTPClient(requestTimeout: .seconds(30)) { http in
            try await body(OpenAICompatibleProvider(
                baseURL: baseURL, apiKey: apiKey, personaModel: personaModel, embeddingModel: embeddingModel,
                http: http, streamsReplies: true, logger: logger, timeouts: timeouts, retry: fastRetry,
                usageObserver: usageObserver
            ), http)
        }
    }
}

/// The server-sent events of a streamed OpenAI chat completion.
enum FakeOpenAIStream {
    static func event(_ object: [String: Any]) -> String {
        "data: " + String(decoding: try! JSONSerialization.data(withJSONObject: object), as: UTF8.self) + "\n\n"
    }

    /// The first chunk: the role, no content.
    static let roleChunk = event(["object": "chat.completion.chunk", "choices": [["index": 0, "delta": ["role": "assistant", "content": ""]]]])

    static func piece(_ text: String) -> String {
        event(["object": "chat.completion.chunk", "choices": [["index": 0, "delta": ["content": text], "finish_reason": NSNull()]]])
    }

    static let finishChunk = event(["object": "chat.completion.chunk", "choices": [["index": 0, "delta": [:] as [String: Any], "finish_reason": "stop"]]])

    static func usage(prompt: Int, completion: Int) -> String {
        event(["object": "chat.completion.chunk", "choices": [] as [Any], "usage": ["prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion]])
    }

    static let done = "data: [DONE]\n\n"

    /// A whole streamed answer of `pieces`, each event in its own write.
    static func answer(_ pieces: [String]) -> StubHTTPServer.StreamScript {
        { _, _, writer in
            try await writer.head()
            try await writer.send(roleChunk)
            for piece in pieces { try await writer.send(Self.piece(piece)) }
            try await writer.send(finishChunk + usage(prompt: 11, completion: pieces.count) + done)
            try await writer.end()
        }
    }
}
