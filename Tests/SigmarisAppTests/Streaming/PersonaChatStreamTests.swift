import Foundation
import HTTPTypes
import HummingbirdTesting
import SigmarisApp
import SigmarisEngine
import SigmarisPostgres
import SigmarisTestSupport
import Testing

/// `POST /persona/chat/stream`, the later reference core's streaming route, against the real
/// database with the local provider: `start`, `delta`…, then `done` or `error`.
@Suite("POST /persona/chat/stream", .enabled(if: TestDatabase.shouldRun))
struct PersonaChatStreamTests {
    static func post(
        _ client: some TestClientProtocol, _ body: String, token: String? = API.serviceToken(), accept: String? = nil
    ) async throws -> (status: HTTPResponse.Status, contentType: String?, model: String?, body: String) {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let token { headers[.authorization] = "Bearer \(token)" }
        if let accept { headers[.accept] = accept }
        return try await client.execute(uri: "/persona/chat/stream", method: .post, headers: headers, body: API.body(body)) { response in
            (response.status, response.headers[.contentType], response.headers[.init("x-sigmaris-model")!], String(buffer: response.body))
        }
    }

    @Test("start names the trace and the session, the deltas add up to done's reply, done is {reply, meta}; stored once")
    func streamsTheReferenceEvents() async throws {
        let app = try buildApplication(configuration: try TestConfiguration.database(), logger: TestConfiguration.logger)
        let userID = "u_cstream_\(UUID().uuidString.prefix(8))"
        try await app.test(.router) { client in
            // No Accept header: this route streams whatever the client asks for.
            let answer = try await Self.post(client, #"{"user_id":"\#(userID)","session_id":"s-stream","message":"Hello. Describe your role in one sentence."}"#)
            #expect(answer.status == .ok)
            #expect(answer.contentType == "text/event-stream; charset=utf-8")
            #expect(answer.model == "sigmaris-local-v1")
            let events = try SSE.events(answer.body)
            #expect(events.first?.name == "start")
            #expect(events.dropFirst().dropLast().allSatisfy { $0.name == "delta" })
            #expect(events.count > 3, "the local provider streams word by word")
            let (start, done) = (try #require(events.first), try #require(events.last))
            #expect(done.name == "done")
            #expect(start.data.objectValue?.keys.sorted() == ["session_id", "trace_id"])
            #expect(done.data.objectValue?.keys == ["reply", "meta"])
            #expect(start.data["trace_id"]?.stringValue?.count == 32)
            #expect(start.data["trace_id"] == done.data["meta"]?["trace_id"])
            #expect(start.data["session_id"]?.stringValue == "s-stream")
            #expect(SSE.deltaText(events) == done.data["reply"]?.stringValue)
        }
        #expect(try await API.rowCounts(userID: userID) == .init(turns: 2, episodes: 1, personaState: 1))
        #expect(try await Self.storedSessions(userID: userID) == ["s-stream"])
    }

    /// The sessions of the user's `sigmaris_turns` rows.
    static func storedSessions(userID: String) async throws -> [String] {
        try await TestDatabase.withMigratedClient(poolSize: 1) { client in
            try await client.query("SELECT DISTINCT session_id FROM sigmaris_turns WHERE user_id = $1", [.text(userID)])
                .map { try $0.decode(String.self, "session_id") }
        }
    }

    @Test("without session_id, start names the session the turn is stored under")
    func defaultSession() async throws {
        let app = try buildApplication(configuration: try TestConfiguration.database(), logger: TestConfiguration.logger)
        let user = UUID()
        try await app.test(.router) { client in
            let answer = try await Self.post(client, #"{"message":"Hi"}"#, token: API.userToken(user), accept: "application/json")
            #expect(answer.status == .ok)
            let events = try SSE.events(answer.body)
            let session = try #require(events.first?.data["session_id"]?.stringValue)
            #expect(session.hasPrefix(user.uuidString.lowercased() + ":"))
            #expect(events.last?.name == "done")
            #expect(try await Self.storedSessions(userID: user.uuidString.lowercased()) == [session])
        }
    }

    @Test("refusals are the usual JSON errors before any stream, and store nothing")
    func refusals() async throws {
        let app = try buildApplication(configuration: try TestConfiguration.database(), logger: TestConfiguration.logger)
        let user = UUID()
        try await app.test(.router) { client in
            let missing = try await Self.post(client, #"{"user_id":"\#(user.uuidString.lowercased())"}"#)
            #expect(missing.status == .badRequest)
            #expect(missing.contentType == "application/json; charset=utf-8")
            #expect(missing.body.contains("missing_message"))
            let anonymous = try await Self.post(client, #"{"message":"Hi"}"#, token: nil)
            #expect(anonymous.status == .unauthorized)
            let other = try await Self.post(client, #"{"user_id":"someone-else","message":"Hi"}"#, token: API.userToken(user))
            #expect(other.status == .forbidden)
            #expect(other.body.contains("user_mismatch"))
        }
        #expect(try await API.rowCounts(userID: user.uuidString.lowercased()) == .init())
    }

    @Test("a failing turn ends with error {error, trace_id} (start's trace id) and stores nothing")
    func failure() async throws {
        // A 400 from the provider is not retried, and with SIGMARIS_RAISE_LLM_ERRORS it fails the turn.
        try await StubHTTPServer.with({ _, _ in StubResponse.json(#"{"error":"refused"}"#, status: 400) }) { provider in
            var configuration = try TestConfiguration.database()
            configuration.llmProvider = .openai
            configuration.openAIBaseURL = URL(string: provider.baseURL)!
            configuration.raiseLLMErrors = true
            let userID = "u_cstream_fail_\(UUID().uuidString.prefix(8))"
            try await buildApplication(configuration: configuration, logger: TestConfiguration.logger).test(.router) { client in
                let answer = try await Self.post(client, #"{"user_id":"\#(userID)","message":"Hi"}"#)
                #expect(answer.status == .ok)
                let events = try SSE.events(answer.body)
                #expect(events.map(\.name) == ["start", "error"])
                let error = try #require(events.last?.data)
                #expect(error["trace_id"] == events.first?.data["trace_id"])
                #expect(error["error"]?.stringValue?.isEmpty == false)
                #expect(error["reason"]?.stringValue == "provider_failed")
            }
            #expect(try await API.rowCounts(userID: userID) == .init())
        }
    }
}
