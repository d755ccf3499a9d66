import Foundation
import HummingbirdTesting
import SigmarisApp
import SigmarisJSON
import SigmarisTestSupport
import Testing

@Suite("/api/summary and /api/translate", .enabled(if: TestDatabase.shouldRun))
struct LLMHelperTests {
    static func post(
        _ client: some TestClientProtocol, _ uri: String, _ body: String, user: UUID = UUID(), stream: Bool = false
    ) async throws -> TestResponse {
        let headers = stream ? SSE.headers(API.userToken(user)) : API.bearer(API.userToken(user))
        return try await client.execute(uri: uri, method: .post, headers: headers, body: API.body(body)) { $0 }
    }

    @Test("local provider: an extractive summary, and the text back untranslated")
    func localProvider() async throws {
        let app = try buildApplication(configuration: try TestConfiguration.database(), logger: TestConfiguration.logger)
        let user = UUID()
        try await app.test(.router) { client in
            let log = "User: Hello there. AI: Hi! How can I help?\nUser: Tell me a story. AI: Once upon a time."
            let summary = try await Self.post(client, "/api/summary", try JSONValueEncoder().encode(["text": log]).serialized(), user: user)
            #expect(summary.status == .ok)
            #expect(try API.json(summary) == ["summary": "User: Hello there. AI: Hi! How can I help?"])

            let translation = try await Self.post(client, "/api/translate", #"{"text":"Hello","targetLang":"ja"}"#, user: user)
            #expect(translation.status == .ok)
            #expect(try API.json(translation) == ["translation": "Hello", "translated": false])
        }
        #expect(try await API.rowCounts(userID: user.uuidString.lowercased()) == .init())
    }

    @Test("a missing, null or empty field is 400 missing_parameters; no token is 401")
    func badInput() async throws {
        let app = try buildApplication(configuration: try TestConfiguration.database(), logger: TestConfiguration.logger)
        try await app.test(.router) { client in
            for (uri, body) in [
                ("/api/summary", "{}"), ("/api/summary", #"{"text":""}"#), ("/api/summary", #"{"text":null}"#),
                ("/api/translate", #"{"text":"Hello"}"#), ("/api/translate", #"{"targetLang":"ja"}"#),
                ("/api/translate", #"{"text":"","targetLang":"ja"}"#),
            ] {
                let response = try await Self.post(client, uri, body)
                #expect(response.status == .badRequest, "\(uri) \(body)")
                #expect(try API.json(response)["reason"] == "missing_parameters", "\(uri) \(body)")
            }
            let wrongType = try await Self.post(client, "/api/translate", #"{"text":1,"targetLang":"ja"}"#)
            #expect(wrongType.status == .badRequest)
            #expect(try API.json(wrongType)["reason"] == "invalid_field")
            try await client.execute(
                uri: "/api/summary", method: .post, headers: [.contentType: "application/json"], body: API.body(#"{"text":"hi"}"#)
            ) { response in
                #expect(response.status == .unauthorized)
            }
        }
    }

    @Test("the turn rate limit applies")
    func rateLimited() async throws {
        var configuration = try TestConfiguration.database()
        configuration.turnRateLimitPerMinute = 2
        let app = try buildApplication(configuration: configuration, logger: TestConfiguration.logger)
        let user = UUID()
        try await app.test(.router) { client in
            for _ in 0..<2 {
                #expect(try await Self.post(client, "/api/summary", #"{"text":"Hi."}"#, user: user).status == .ok)
            }
            let refused = try await Self.post(client, "/api/translate", #"{"text":"Hi.","targetLang":"fr"}"#, user: user)
            #expect(refused.status == .tooManyRequests)
            #expect(try API.json(refused)["reason"] == "rate_limited")
        }
    }

    @Test("streamed: delta events, then done with the JSON body")
    func localStream() async throws {
        let app = try buildApplication(configuration: try TestConfiguration.database(), logger: TestConfiguration.logger)
        try await app.test(.router) { client in
            let response = try await Self.post(client, "/api/translate", #"{"text":"Hello","targetLang":"ja"}"#, stream: true)
            let events = try SSE.events(response)
            #expect(events.map(\.name) == ["delta", "done"])
            #expect(SSE.deltaText(events) == "Hello")
            #expect(events.last?.data == ["translation": "Hello", "translated": false])
        }
    }

    @Test("OpenAI-compatible provider: the helper's own prompt, the model's answer")
    func openAIProvider() async throws {
        let behavior = FakeOpenAI.behavior { request in
            let system = ((FakeOpenAI.json(request)?["messages"] as? [[String: Any]])?.first?["content"] as? String) ?? ""
            if system.contains("Translate") && system.contains("\"fr\"") { return FakeOpenAI.chatAnswer("Bonjour") }
            if system.contains("Summarize") { return FakeOpenAI.chatAnswer("A greeting.") }
            return StubResponse.json(#"{"error":"unexpected prompt"}"#, status: 400)
        }
        try await StubHTTPServer.with(behavior) { provider in
            var configuration = try TestConfiguration.database()
            configuration.llmProvider = .openai
            configuration.openAIBaseURL = URL(string: provider.baseURL)!
            try await buildApplication(configuration: configuration, logger: TestConfiguration.logger).test(.router) { client in
                let translation = try await Self.post(client, "/api/translate", #"{"text":"Hello","targetLang":"fr"}"#)
                #expect(try API.json(translation) == ["translation": "Bonjour", "translated": true])
                let summary = try await Self.post(client, "/api/summary", #"{"text":"User: Hello. AI: Hi."}"#)
                #expect(try API.json(summary) == ["summary": "A greeting."])
            }
        }
    }

    @Test("OpenAI-compatible provider, streamed: the model's pieces as deltas")
    func openAIStream() async throws {
        try await StubHTTPServer.with(streaming: FakeOpenAIStream.answer(["Bon", "jour"])) { provider in
            var configuration = try TestConfiguration.database()
            configuration.llmProvider = .openai
            configuration.openAIBaseURL = URL(string: provider.baseURL)!
            try await buildApplication(configuration: configuration, logger: TestConfiguration.logger).test(.router) { client in
                let response = try await Self.post(client, "/api/translate", #"{"text":"Hello","targetLang":"fr"}"#, stream: true)
                let events = try SSE.events(response)
                #expect(events.map(\.name) == ["delta", "delta", "done"])
                #expect(events.last?.data == ["translation": "Bonjour", "translated": true])
            }
        }
    }

    @Test("a failing provider is a 5xx JSON error")
    func providerFailure() async throws {
        try await StubHTTPServer.with({ _, _ in StubResponse.json(#"{"error":"refused"}"#, status: 400) }) { provider in
            var configuration = try TestConfiguration.database()
            configuration.llmProvider = .openai
            configuration.openAIBaseURL = URL(string: provider.baseURL)!
            try await buildApplication(configuration: configuration, logger: TestConfiguration.logger).test(.router) { client in
                let response = try await Self.post(client, "/api/summary", #"{"text":"Hello."}"#)
                #expect(response.status.code >= 500)
                #expect(try API.json(response)["error"]?.stringValue?.isEmpty == false)
            }
        }
    }
}
