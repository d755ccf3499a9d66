import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SigmarisApp
import SigmarisAuth
import SigmarisEngine
import SigmarisJSON
import SigmarisTestSupport
import Testing

/// The answers `Public/openapi.json` documents that the contract run cannot bring about, each held
/// to the document (status, content type, body schema; each event of a stream) with real requests
/// against the real test database. The contract run (`scripts/api-contract.sh`: Schemathesis against
/// a real `sigmaris serve`) drives every route with generated requests and holds its successes,
/// 400s, 401s, 403s, 404s and 405s to the document; what is left here needs a request it does not
/// make or a configuration it does not have: every event of a streamed turn (the events' schemas
/// are the document's own `x-sse-events`), a body over 64 KiB (413), a body not labelled JSON (415:
/// Schemathesis sends such probes but asks only that they get no 5xx), a file path that tries to
/// leave its folder (400), `/openapi.json` itself (Schemathesis reads it, it does not test it) and
/// its 304, `/metrics` behind a token, the dev token from another page's `Origin`, a user who is not
/// an operator, one exchange deleted by its real `created_at`, the rate limit (429), a database that
/// is down (503), a provider or remote core that fails (502).
@Suite("OpenAPI document and the answers the contract run cannot reach", .enabled(if: TestDatabase.shouldRun))
struct OpenAPIResponseTests {
    static let operatorID = UUID()
    static let metricsToken = String(repeating: "metrics-token-", count: 3)
    static let tooLarge = #"{"text":""# + String(repeating: "x", count: 70 * 1024) + #""}"#

    static func configuration() throws -> SigmarisConfiguration {
        var configuration = try TestConfiguration.database()
        configuration.operatorIDs = [operatorID]
        configuration.devSignIn = true
        configuration.metricsToken = metricsToken
        configuration.publicDirectory = OpenAPIDocument.publicDirectory.path
        configuration.chartJSDirectory = try chartFolder()
        return configuration
    }

    /// A Chart.js folder of our own, so the test does not depend on the Debian package's layout.
    static func chartFolder() throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sigmaris-openapi-chart-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Data("window.Chart = function () {};\n".utf8).write(to: folder.appendingPathComponent("chart.min.js"))
        return folder.path
    }

    static func headers(_ token: String?, _ extra: [(HTTPField.Name, String)] = []) -> HTTPFields {
        var fields: HTTPFields = [.contentType: "application/json"]
        if let token { fields[.authorization] = "Bearer \(token)" }
        for (name, value) in extra { fields[name] = value }
        return fields
    }

    /// What a browser sends for a string body without asking first (no CORS preflight): a 415.
    static func plainText(_ token: String?, _ extra: [(HTTPField.Name, String)] = []) -> HTTPFields {
        var fields = headers(token, extra)
        fields[.contentType] = "text/plain;charset=UTF-8"
        return fields
    }

    @Test func everyAnswerTheContractRunCannotReachIsDocumented() async throws {
        let conformance = DocumentConformance(document: try OpenAPIDocument.load())
        let app = try buildApplication(configuration: try Self.configuration(), logger: TestConfiguration.logger)
        try await app.test(.router) { client in
            try await Self.health(client, conformance)
            try await Self.turns(client, conformance)
            try await Self.operators(client, conformance)
            try await Self.sessions(client, conformance)
            try await Self.memories(client, conformance)
            try await Self.account(client, conformance)
            try await Self.pages(client, conformance)
        }
        try await Self.limits(conformance)
        try await Self.faults(conformance)
        for remark in conformance.remarks { print("OpenAPI: \(remark)") }
    }

    // MARK: Metrics behind a token, the document itself

    static func health(_ client: some TestClientProtocol, _ check: DocumentConformance) async throws {
        try await check.send(client, .init(.get, "/metrics", expect: .unauthorized))
        try await check.send(client, .init(.get, "/metrics", headers: [.authorization: "Bearer \(metricsToken)"], expect: .ok))
        let document = try await check.send(client, .init(.get, "/openapi.json", expect: .ok))
        try await check.send(client, .init(.get, "/openapi.json", headers: [.ifNoneMatch: document.headers[.eTag] ?? ""], expect: .notModified))
    }

    // MARK: The turn routes: streams, 413, 415

    static func turns(_ client: some TestClientProtocol, _ check: DocumentConformance) async throws {
        let token = API.userToken(UUID())
        let service = API.serviceToken()
        let personaUser = "openapi_\(UUID().uuidString.prefix(8))"
        let chat = #"{"user_id":"\#(personaUser)","session_id":"s1","message":"Hello, who are you?","reward_signal":0.5,"affect_signal":{"warmth":0.2}}"#
        try await stream(client, check, .init(.post, "/persona/chat", headers: headers(service), body: chat, expect: .ok))
        try await stream(client, check, .init(.post, "/persona/chat", headers: headers(token), body: #"{"message":"Hi"}"#, expect: .ok))
        try await check.send(client, .init(.post, "/persona/chat", headers: headers(service), body: tooLarge, expect: .contentTooLarge))
        try await check.send(client, .init(.post, "/persona/chat", headers: plainText(service), body: chat, expect: .unsupportedMediaType))
        try await stream(client, check, .init(.post, "/persona/chat/stream", headers: headers(service), body: chat, expect: .ok))
        try await stream(client, check, .init(.post, "/persona/chat/stream", headers: headers(token), body: #"{"message":"Hi"}"#, expect: .ok))
        try await check.send(client, .init(.post, "/persona/chat/stream", headers: headers(service), body: tooLarge, expect: .contentTooLarge))
        try await check.send(client, .init(.post, "/persona/chat/stream", headers: plainText(service), body: chat, expect: .unsupportedMediaType))

        let session = [(HTTPField.Name("x-session-id")!, "openapi-session")]
        let turn = #"{"text":"Hello there","lang":"en"}"#
        try await stream(client, check, .init(.post, "/api/aei", headers: headers(token, session), body: turn, expect: .ok))
        try await check.send(client, .init(.post, "/api/aei", headers: headers(token), body: tooLarge, expect: .contentTooLarge))
        try await check.send(client, .init(.post, "/api/aei", headers: plainText(token), body: turn, expect: .unsupportedMediaType))
    }

    /// A turn asked for as a stream. Until the streaming side exists the route answers JSON to an SSE
    /// `Accept` (`or:` is then the status of a failing turn); that answer is still held to the document,
    /// and the stream part is noted as skipped.
    /// `ending` is the stream's last event: `done`, or `error` with that `reason`.
    static func stream(
        _ client: some TestClientProtocol, _ check: DocumentConformance, _ exchange: DocumentedExchange,
        ending: (event: String, reason: String?) = ("done", nil), sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        var exchange = exchange
        exchange.headers[.accept] = "text/event-stream"
        let response = try await check.send(client, exchange, sourceLocation: sourceLocation)
        let contentType = response.headers[.contentType] ?? ""
        let label = "\(exchange.method) \(exchange.path)"
        if contentType.hasPrefix("text/event-stream") {
            #expect(response.headers[.cacheControl] == "no-store", "\(label)", sourceLocation: sourceLocation)
            #expect(response.headers[HTTPField.Name("X-Accel-Buffering")!] == "no", "\(label)", sourceLocation: sourceLocation)
            let last = ReceivedEvent.parse(String(buffer: response.body)).last
            #expect(last?.event == ending.event, "\(label): \(String(buffer: response.body).suffix(300))", sourceLocation: sourceLocation)
            if let reason = ending.reason, let data = last?.data {
                #expect((try? JSONValue(parsing: Array(data.utf8)))?["reason"]?.stringValue == reason, "\(label): \(data)", sourceLocation: sourceLocation)
            }
            check.streamsTurns.withLock { $0 = true }
        } else {
            #expect(contentType.hasPrefix("application/json"), "\(label): \(contentType)", sourceLocation: sourceLocation)
            // Before the streaming side existed the routes answered JSON (the failure's own status);
            // once one stream was seen, every turn asked for as a stream must be one.
            #expect(check.streamsTurns.withLock { !$0 }, "\(label) answered JSON to Accept: text/event-stream", sourceLocation: sourceLocation)
            check.note("\(label) answered JSON (\(response.status.code)) to Accept: text/event-stream; the stream check was skipped")
        }
    }

    // MARK: Operators: a listed one, a user who is not one, 413, 415

    static func operators(_ client: some TestClientProtocol, _ check: DocumentConformance) async throws {
        let service = API.serviceToken()
        let listed = API.userToken(operatorID)
        let plain = API.userToken(UUID())
        let personaUser = "openapi_op_\(UUID().uuidString.prefix(8))"
        try await check.send(client, .init(.post, "/persona/chat", headers: headers(service), body: #"{"user_id":"\#(personaUser)","message":"Hello"}"#, expect: .ok))

        let state = "/persona/state?user_id=\(personaUser)"
        let silence = #"{"user_id":"\#(personaUser)","action":"silence","reason":"documentation test"}"#
        try await check.send(client, .init(.get, "/persona/state", uri: state, headers: headers(plain), expect: .forbidden))
        try await check.send(client, .init(.post, "/persona/state", headers: headers(plain), body: silence, expect: .forbidden))
        try await check.send(client, .init(.get, "/persona/overview", headers: headers(plain), expect: .forbidden))
        try await check.send(client, .init(.post, "/persona/state", headers: headers(listed), body: silence, expect: .ok))
        try await check.send(client, .init(.get, "/persona/state", uri: state, headers: headers(listed), expect: .ok))
        try await check.send(client, .init(.post, "/persona/state", headers: headers(service), body: tooLarge, expect: .contentTooLarge))
        try await check.send(client, .init(.post, "/persona/state", headers: plainText(service), body: silence, expect: .unsupportedMediaType))
        // The policy routes' refusals before anything is read (no policy is stored on this shared database).
        let policy = #"{"name":"p","when":{"metric":"overload_score","op":">=","value":2,"forTurns":1},"action":"notify"}"#
        let onePolicy = "/persona/policies/1"
        try await check.send(client, .init(.post, "/persona/policies", headers: headers(plain), body: policy, expect: .forbidden))
        try await check.send(client, .init(.post, "/persona/policies", headers: headers(service), body: tooLarge, expect: .contentTooLarge))
        try await check.send(client, .init(.post, "/persona/policies", headers: plainText(service), body: policy, expect: .unsupportedMediaType))
        try await check.send(client, .init(.patch, "/persona/policies/{id}", uri: onePolicy, headers: headers(service), body: tooLarge, expect: .contentTooLarge))
        try await check.send(client, .init(.patch, "/persona/policies/{id}", uri: onePolicy, headers: plainText(service), body: #"{"enabled":false}"#, expect: .unsupportedMediaType))
    }

    // MARK: Sessions and messages: one exchange by its real `created_at`, 413, 415

    static func sessions(_ client: some TestClientProtocol, _ check: DocumentConformance) async throws {
        let token = API.userToken(UUID())
        for text in ["First", "Second"] {
            try await check.send(client, .init(.post, "/api/aei", headers: headers(token, [(HTTPField.Name("x-session-id")!, "keep")]), body: #"{"text":"\#(text)"}"#, expect: .ok))
        }
        let list = try await check.send(client, .init(.get, "/api/message", uri: "/api/message?session=keep", headers: headers(token), expect: .ok))
        let createdAt = try API.json(list)["messages"]?[0]?["created_at"]?.stringValue ?? ""
        try await check.send(client, .init(.delete, "/api/message", uri: "/api/message?session=keep", headers: headers(token), body: #"{"createdAt":"\#(createdAt)"}"#, expect: .ok))
        try await check.send(client, .init(.delete, "/api/message", uri: "/api/message?session=keep", headers: headers(token), body: tooLarge, expect: .contentTooLarge))
        try await check.send(client, .init(.delete, "/api/message", uri: "/api/message?session=keep", headers: plainText(token), body: #"{"createdAt":"2001-02-03T04:05:06Z"}"#, expect: .unsupportedMediaType))
        try await check.send(client, .init(.patch, "/api/sessions", headers: headers(token), body: tooLarge, expect: .contentTooLarge))
        try await check.send(client, .init(.patch, "/api/sessions", headers: plainText(token), body: #"{"sessionId":"keep","newTitle":"x"}"#, expect: .unsupportedMediaType))
    }

    // MARK: Memories: a real id deleted (the contract run has no link to one), then gone; a search

    static func memories(_ client: some TestClientProtocol, _ check: DocumentConformance) async throws {
        let token = API.userToken(UUID())
        try await check.send(client, .init(.post, "/api/aei", headers: headers(token), body: #"{"text":"My cat is called Miso"}"#, expect: .ok))
        let list = try await check.send(client, .init(.get, "/api/memories", headers: headers(token), expect: .ok))
        let id = try API.json(list)["memories"]?[0]?["id"]?.stringValue ?? ""
        try await check.send(client, .init(.get, "/api/memories", uri: "/api/memories?q=cat%20Miso&limit=5", headers: headers(token), expect: .ok))
        try await check.send(client, .init(.get, "/api/memories", uri: "/api/memories?limit=0", headers: headers(token), expect: .badRequest))
        try await check.send(client, .init(.delete, "/api/memories/{id}", uri: "/api/memories/\(id)", headers: headers(token), expect: .ok))
        try await check.send(client, .init(.delete, "/api/memories/{id}", uri: "/api/memories/\(id)", headers: headers(token), expect: .notFound))
        try await check.send(client, .init(.delete, "/api/memories/{id}", uri: "/api/memories/a%07b", headers: headers(token), expect: .badRequest))
    }

    // MARK: Account: 413, 415

    static func account(_ client: some TestClientProtocol, _ check: DocumentConformance) async throws {
        let token = API.userToken(UUID())
        try await check.send(client, .init(.delete, "/api/account", headers: headers(token), body: tooLarge, expect: .contentTooLarge))
        try await check.send(client, .init(.delete, "/api/account", headers: plainText(token), body: #"{"confirm":"DELETE"}"#, expect: .unsupportedMediaType))
    }

    // MARK: Pages and files: the dev token from another page, 413, 415; paths that leave their folder

    static func pages(_ client: some TestClientProtocol, _ check: DocumentConformance) async throws {
        try await check.send(client, .init(.post, "/api/dev/token", headers: plainText(nil), body: "{}", expect: .unsupportedMediaType))
        try await check.send(client, .init(.post, "/api/dev/token", headers: [.origin: "http://evil.example"], expect: .forbidden))
        try await check.send(client, .init(.post, "/api/dev/token", body: tooLarge, expect: .contentTooLarge))
        for folder in ["/assets/", "/vendor/chart.js/"] {
            try await check.send(client, .init(.get, folder + "{path}", uri: folder + "%2e%2e/secret.css", expect: .badRequest))
        }
    }

    // MARK: What needs another configuration

    /// One turn a minute: the second of the same user, on either route, is a 429.
    static func limits(_ check: DocumentConformance) async throws {
        var configuration = try Self.configuration()
        configuration.turnRateLimitPerMinute = 1
        let token = API.userToken(UUID())
        try await buildApplication(configuration: configuration, logger: TestConfiguration.logger).test(.router) { client in
            try await check.send(client, .init(.post, "/api/aei", headers: headers(token), body: #"{"text":"one"}"#, expect: .ok))
            try await check.send(client, .init(.post, "/api/aei", headers: headers(token), body: #"{"text":"two"}"#, expect: .tooManyRequests))
            try await check.send(client, .init(.post, "/persona/chat", headers: headers(token), body: #"{"message":"three"}"#, expect: .tooManyRequests))
            try await check.send(client, .init(.post, "/persona/chat/stream", headers: headers(token), body: #"{"message":"four"}"#, expect: .tooManyRequests))
        }
    }

    /// A database that is down (503) and a provider that fails with SIGMARIS_RAISE_LLM_ERRORS (502).
    static func faults(_ check: DocumentConformance) async throws {
        let service = API.serviceToken()
        let token = API.userToken(UUID())
        let down = try buildApplication(configuration: TestConfiguration.unreachableDatabase(), logger: TestConfiguration.logger, runMigrations: false)
        try await down.test(.router) { client in
            try await check.send(client, .init(.get, "/readyz", expect: .serviceUnavailable))
            try await check.send(client, .init(.post, "/persona/chat", headers: headers(service), body: #"{"user_id":"u","message":"Hi"}"#, expect: .serviceUnavailable))
            try await check.send(client, .init(.post, "/api/aei", headers: headers(token), body: #"{"text":"Hi"}"#, expect: .serviceUnavailable))
            try await check.send(client, .init(.get, "/api/sessions", headers: headers(token), expect: .serviceUnavailable))
            try await check.send(client, .init(.get, "/api/memories", headers: headers(token), expect: .serviceUnavailable))
            try await check.send(client, .init(.delete, "/api/memories/{id}", uri: "/api/memories/m", headers: headers(token), expect: .serviceUnavailable))
            // The export reads its first page before it answers: a 503, not a download cut short.
            try await check.send(client, .init(.get, "/api/account/export", headers: headers(token), expect: .serviceUnavailable))
            try await check.send(client, .init(.get, "/persona/overview", headers: headers(service), expect: .serviceUnavailable))
            // Streamed, the same failure is the stream's error event (a 503 before streaming exists).
            try await stream(client, check, .init(.post, "/persona/chat", headers: headers(service), body: #"{"user_id":"u","message":"Hi"}"#, expect: .ok, or: .serviceUnavailable), ending: ("error", "database_unavailable"))
            try await stream(client, check, .init(.post, "/persona/chat/stream", headers: headers(service), body: #"{"user_id":"u","message":"Hi"}"#, expect: .ok), ending: ("error", "database_unavailable"))
            try await stream(client, check, .init(.post, "/api/aei", headers: headers(token), body: #"{"text":"Hi"}"#, expect: .ok, or: .serviceUnavailable), ending: ("error", "database_unavailable"))
        }
        // A 400 is not retried, so the failure is immediate.
        try await StubHTTPServer.with({ _, _ in StubResponse.json(#"{"error":"refused"}"#, status: 400) }) { stub in
            var configuration = try TestConfiguration.database()
            configuration.llmProvider = .openai
            configuration.openAIBaseURL = URL(string: stub.baseURL)!
            configuration.raiseLLMErrors = true
            try await buildApplication(configuration: configuration, logger: TestConfiguration.logger).test(.router) { client in
                try await check.send(client, .init(.post, "/persona/chat", headers: headers(service), body: #"{"user_id":"u_502","message":"Hi"}"#, expect: .badGateway))
                try await check.send(client, .init(.post, "/api/aei", headers: headers(token), body: #"{"text":"Hi"}"#, expect: .badGateway))
                try await stream(client, check, .init(.post, "/persona/chat", headers: headers(service), body: #"{"user_id":"u_502","message":"Hi"}"#, expect: .ok, or: .badGateway), ending: ("error", "provider_failed"))
                try await stream(client, check, .init(.post, "/persona/chat/stream", headers: headers(service), body: #"{"user_id":"u_502","message":"Hi"}"#, expect: .ok), ending: ("error", "provider_failed"))
                try await stream(client, check, .init(.post, "/api/aei", headers: headers(token), body: #"{"text":"Hi"}"#, expect: .ok, or: .badGateway), ending: ("error", "provider_failed"))
            }
            // A remote core that fails: 502 as JSON, `core_failed` in a stream.
            var remote = try TestConfiguration.database()
            remote.coreURL = URL(string: stub.baseURL)!
            try await buildApplication(configuration: remote, logger: TestConfiguration.logger).test(.router) { client in
                try await check.send(client, .init(.post, "/api/aei", headers: headers(token), body: #"{"text":"Hi"}"#, expect: .badGateway))
                try await stream(client, check, .init(.post, "/api/aei", headers: headers(token), body: #"{"text":"Hi"}"#, expect: .ok, or: .badGateway), ending: ("error", "core_failed"))
            }
        }
    }
}
