import Foundation
import SigmarisApp
import SigmarisTestSupport
import Testing

@Suite("OpenAI-compatible provider: retries and errors")
struct OpenAIProviderFailureTests {

    @Test("429 with Retry-After, then success: two attempts and the reply")
    func retriesRateLimit() async throws {
        try await StubHTTPServer.with({ _, index in
            index == 0
                ? StubResponse.json(#"{"error":{"message":"slow down","type":"rate_limit"}}"#, status: 429)
                    .withHeader("Retry-After", "0")
                : FakeOpenAI.chatAnswer(FakeOpenAI.reply)
        }) { server in
            try await ProviderHarness.withProvider(baseURL: server.baseURL) { provider in
                let reply = try await provider.reply(to: ProviderHarness.replyRequest())
                #expect(reply == FakeOpenAI.reply)
                #expect(server.requests.count == 2)
            }
        }
    }

    @Test("503 on embeddings, then success")
    func retriesEmbeddings() async throws {
        try await StubHTTPServer.with({ request, index in
            index == 0 ? StubResponse(status: 503) : FakeOpenAI.embeddingsAnswer(for: request)
        }) { server in
            try await ProviderHarness.withProvider(baseURL: server.baseURL) { provider in
                let vectors = try await provider.embed(["x"])
                #expect(vectors == [FakeOpenAI.vector(for: "x")])
                #expect(server.requests.count == 2)
            }
        }
    }

    @Test("500 every time: three attempts, then .http(500)")
    func exhaustsRetries() async throws {
        try await StubHTTPServer.with({ _, _ in
            StubResponse.json(#"{"error":{"message":"The server had an error","type":"server_error"}}"#, status: 500)
        }) { server in
            try await ProviderHarness.withProvider(baseURL: server.baseURL) { provider in
                let error = await ProviderHarness.expectProviderError {
                    try await provider.reply(to: ProviderHarness.replyRequest())
                }
                #expect(error?.code == .http(status: 500))
                #expect(error?.attempts == 3)
                #expect(error?.endpoint == "chat/completions")
                #expect(error?.description.contains("server_error") == true)
                #expect(server.requests.count == 3)
            }
        }
    }

    @Test("a Retry-After beyond the cap is not waited for")
    func retryAfterBeyondCap() async throws {
        try await StubHTTPServer.with({ _, _ in StubResponse(status: 429).withHeader("Retry-After", "3600") }) { server in
            try await ProviderHarness.withProvider(baseURL: server.baseURL) { provider in
                let start = ContinuousClock.now
                let error = await ProviderHarness.expectProviderError { try await provider.embed(["x"]) }
                #expect(error?.code == .http(status: 429))
                #expect(server.requests.count == 1)
                #expect(ContinuousClock.now - start < .seconds(2))
            }
        }
    }

    @Test("4xx other than 429 is not retried")
    func clientErrorNotRetried() async throws {
        try await StubHTTPServer.with({ _, _ in
            StubResponse.json(#"{"error":{"message":"The model `nope` does not exist","type":"invalid_request_error","code":"model_not_found"}}"#, status: 404)
        }) { server in
            try await ProviderHarness.withProvider(baseURL: server.baseURL) { provider in
                let error = await ProviderHarness.expectProviderError {
                    try await provider.reply(to: ProviderHarness.replyRequest())
                }
                #expect(error?.code == .http(status: 404))
                #expect(error?.attempts == 1)
                #expect(error?.detail?.contains("model_not_found") == true)
                #expect(server.requests.count == 1)
            }
        }
    }

    @Test("malformed 2xx bodies are .malformedResponse, described without the body", arguments: [
        "this is not json",
        #"{"object":"chat.completion"}"#,
        #"{"choices":[]}"#,
        #"{"choices":[{"message":{"role":"assistant","content":null}}]}"#,
    ])
    func malformedChat(body: String) async throws {
        try await StubHTTPServer.with({ _, _ in StubResponse.json(body) }) { server in
            try await ProviderHarness.withProvider(baseURL: server.baseURL) { provider in
                let error = await ProviderHarness.expectProviderError {
                    try await provider.reply(to: ProviderHarness.replyRequest())
                }
                #expect(error?.code == .malformedResponse)
                #expect(error?.description.contains("not json") == false)
                #expect(server.requests.count == 1)
            }
        }
    }

    @Test("embeddings whose count or indices do not match the input are .malformedResponse")
    func malformedEmbeddings() async throws {
        try await StubHTTPServer.with({ _, _ in
            StubResponse.json(#"{"data":[{"index":0,"embedding":[0.1,0.2]},{"index":0,"embedding":[0.3,0.4]}]}"#)
        }) { server in
            try await ProviderHarness.withProvider(baseURL: server.baseURL) { provider in
                let error = await ProviderHarness.expectProviderError { try await provider.embed(["a", "b"]) }
                #expect(error?.code == .malformedResponse)
                let short = await ProviderHarness.expectProviderError { try await provider.embed(["a", "b", "c"]) }
                #expect(short?.code == .malformedResponse)
            }
        }
    }

    @Test("a server that never answers times out promptly, without retrying")
    func timeout() async throws {
        try await StubHTTPServer.with({ _, _ in nil }) { server in
            try await ProviderHarness.withProvider(
                baseURL: server.baseURL, timeouts: .init(chat: .milliseconds(300), embeddings: .milliseconds(300))
            ) { provider in
                let start = ContinuousClock.now
                let error = await ProviderHarness.expectProviderError {
                    try await provider.reply(to: ProviderHarness.replyRequest())
                }
                #expect(error?.code == .timeout)
                #expect(error?.attempts == 1)
                #expect(ContinuousClock.now - start < .seconds(3))
                #expect(server.requests.count == 1)
            }
        }
    }

    @Test("a refused connection is retried, then reported as .transport")
    func connectionRefused() async throws {
        // Nothing listens on port 1. A deadline far beyond three refusals and their short backoffs:
        // the deadline covers the retries, and a busy machine must not turn this into a timeout.
        try await ProviderHarness.withProvider(
            baseURL: "http://127.0.0.1:1/v1", timeouts: .init(chat: .seconds(60), embeddings: .seconds(60))
        ) { provider in
            let error = await ProviderHarness.expectProviderError { try await provider.embed(["a"]) }
            #expect(error?.code == .transport)
            #expect(error?.attempts == 3)
        }
    }

    @Test("error descriptions never carry the API key or the prompt, even when the server echoes them")
    func descriptionsRedacted() async throws {
        let oddKey = "local-gateway-credential-7f3a9"
        let prompt = "my secret diary entry about the weather"
        try await StubHTTPServer.with({ request, _ in
            let echoed = (request.header("Authorization") ?? "").replacingOccurrences(of: "Bearer ", with: "")
            let body: [String: Any] = ["error": [
                "message": "Incorrect API key provided: \(echoed). Authorization: Bearer \(echoed)",
                "type": "invalid_request_error", "code": "invalid_api_key",
            ]]
            return StubResponse.json(String(decoding: try! JSONSerialization.data(withJSONObject: body), as: UTF8.self), status: 401)
        }) { server in
            for key in [ProviderHarness.apiKey, oddKey] {
                try await ProviderHarness.withProvider(baseURL: server.baseURL, apiKey: key) { provider in
                    let error = await ProviderHarness.expectProviderError {
                        try await provider.reply(to: ProviderHarness.replyRequest(message: prompt))
                    }
                    let texts = [error?.description ?? "", String(reflecting: error as Any)]
                    for text in texts {
                        #expect(text.contains("401"))
                        #expect(!text.contains(key))
                        #expect(!text.contains("SECRET"))
                        #expect(!text.contains(prompt))
                    }
                    #expect(error?.detail?.contains("invalid_api_key") == true)
                }
            }
        }
    }
}

extension StubResponse {
    func withHeader(_ name: String, _ value: String) -> StubResponse {
        var copy = self
        copy.headers.append((name, value))
        return copy
    }
}
