import Foundation
import SigmarisApp
import SigmarisEngine
import SigmarisTestSupport
import Testing

@Suite("OpenAI-compatible provider: request shape")
struct OpenAIProviderRequestTests {

    @Test("chat: POST {base}/chat/completions with the persona model, system + user messages and a bearer key")
    func chatRequestShape() async throws {
        try await StubHTTPServer.with(FakeOpenAI.behavior()) { server in
            try await ProviderHarness.withProvider(baseURL: server.baseURL + "/v1") { provider in
                let request = ProviderHarness.replyRequest(message: "What is on my mind?")
                let reply = try await provider.reply(to: request)
                #expect(reply == FakeOpenAI.reply)

                let sent = try #require(server.requests.first)
                #expect(server.requests.count == 1)
                #expect(sent.method == "POST")
                #expect(sent.uri == "/v1/chat/completions")
                #expect(sent.header("Authorization") == "Bearer " + ProviderHarness.apiKey)
                #expect(sent.header("Content-Type") == "application/json")

                let body = try #require(FakeOpenAI.json(sent))
                #expect(body["model"] as? String == ProviderHarness.personaModel)
                // The spec fixes no sampling parameters, so none is sent unless configured.
                #expect(body["temperature"] == nil)
                let messages = try #require(body["messages"] as? [[String: Any]])
                #expect(messages.count == 2)
                #expect(messages.first?["role"] as? String == "system")
                #expect(messages.first?["content"] as? String == request.systemPrompt)
                #expect(messages.last?["role"] as? String == "user")
                #expect(messages.last?["content"] as? String == request.userContent)
            }
        }
    }

    @Test("SILENT: the user message carries the engine's minimum-answer prefix")
    func silentUserContent() async throws {
        try await StubHTTPServer.with(FakeOpenAI.behavior()) { server in
            try await ProviderHarness.withProvider(baseURL: server.baseURL) { provider in
                var request = ProviderHarness.replyRequest(message: "status?")
                request = ReplyRequest(
                    message: request.message, userID: request.userID, sessionID: request.sessionID,
                    globalState: .silent, prevState: .normal, stateReasons: ["silence requested"],
                    valueState: .zero, traitState: .zero, mergedSummary: nil, identityContext: request.identityContext
                )
                _ = try await provider.reply(to: request)
                let sent = try #require(server.requests.first)
                let messages = try #require(FakeOpenAI.json(sent)?["messages"] as? [[String: Any]])
                #expect(messages.last?["content"] as? String == PersonaConstants.Prompt.silentUserPrefix + "status?")
            }
        }
    }

    @Test("no key configured: no Authorization header on either endpoint (Ollama, llama.cpp)")
    func keylessServer() async throws {
        try await StubHTTPServer.with(FakeOpenAI.behavior()) { server in
            for key in [nil, "", "  "] as [String?] {
                try await ProviderHarness.withProvider(baseURL: server.baseURL + "/v1/", apiKey: key) { provider in
                    _ = try await provider.reply(to: ProviderHarness.replyRequest())
                    _ = try await provider.embed(["a"])
                }
            }
            #expect(server.requests.count == 6)
            #expect(server.requests.allSatisfy { $0.header("Authorization") == nil })
            // A trailing slash on the base URL does not double up.
            #expect(Set(server.requests.map(\.uri)) == ["/v1/chat/completions", "/v1/embeddings"])
        }
    }

    @Test("embeddings: one POST with the embedding model and every text; answers sorted by index")
    func embeddingsShapeAndOrder() async throws {
        try await StubHTTPServer.with(FakeOpenAI.behavior()) { server in
            try await ProviderHarness.withProvider(baseURL: server.baseURL + "/v1") { provider in
                let texts = ["first", "second", "third", "こんにちは"]
                let vectors = try await provider.embed(texts)
                // The stub answers in reverse order; the provider must restore input order.
                #expect(vectors == texts.map(FakeOpenAI.vector(for:)))

                let sent = try #require(server.requests.first)
                #expect(server.requests.count == 1)
                #expect(sent.uri == "/v1/embeddings")
                #expect(sent.header("Authorization") == "Bearer " + ProviderHarness.apiKey)
                let body = try #require(FakeOpenAI.json(sent))
                #expect(body["model"] as? String == ProviderHarness.embeddingModel)
                #expect(body["input"] as? [String] == texts)
            }
        }
    }

    @Test("embedding nothing sends nothing")
    func emptyEmbeddingBatch() async throws {
        try await StubHTTPServer.with(FakeOpenAI.behavior()) { server in
            try await ProviderHarness.withProvider(baseURL: server.baseURL) { provider in
                let vectors = try await provider.embed([])
                #expect(vectors.isEmpty)
                #expect(server.requests.isEmpty)
            }
        }
    }

    @Test("the provider's own description names the models, never the key")
    func providerDescriptionHidesKey() async throws {
        try await ProviderHarness.withProvider(baseURL: "http://127.0.0.1:1") { provider in
            #expect(provider.modelName == ProviderHarness.personaModel)
            for text in [String(describing: provider), String(reflecting: provider), "\(provider)"] {
                #expect(!text.contains(ProviderHarness.apiKey))
            }
            var dumped = ""
            dump(provider, to: &dumped)
            #expect(!dumped.contains(ProviderHarness.apiKey))
        }
    }
}
