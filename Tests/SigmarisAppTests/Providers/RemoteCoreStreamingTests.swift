import Foundation
import Logging
@testable import SigmarisApp
import SigmarisCurl
import SigmarisEngine
import SigmarisJSON
import SigmarisTestSupport
import Synchronization
import Testing

/// `RemoteCoreClient.streamChat` against a stub core that streams every request (the later reference's
/// `/persona/chat/stream`: `start`, `delta`, `done`, `error`).
@Suite("Remote core client: streamed chat")
struct RemoteCoreStreamingTests {
    static let serviceKey = "service-role-key-SECRET"
    static let meta = #"{"trace_id":"t-1","global_state":"NORMAL"}"#

    /// Runs `body` with a client of the stub at `baseURL` (its curl client shut down afterwards).
    static func withClient<T>(
        baseURL: String, streamSupport: CoreStreamSupport = CoreStreamSupport(), _ body: (RemoteCoreClient) async throws -> T
    ) async throws -> T {
        try await withHTTPClient(requestTimeout: .seconds(30)) { http in
            try await body(RemoteCoreClient(
                baseURL: baseURL, http: http,
                credential: ServiceCredential(serviceRoleKey: serviceKey, signer: nil), streams: true, streamSupport: streamSupport))
        }
    }

    /// Streams one chat; the answer or the error, and the pieces handed on.
    static func streamChat(
        baseURL: String,
        streamSupport: CoreStreamSupport = CoreStreamSupport(),
        onDelta: @escaping @Sendable (String) throws -> Void = { _ in }
    ) async throws -> (answer: RemoteCoreClient.Answer?, error: (any Error)?, deltas: [String]) {
        let deltas = Mutex<[String]>([])
        return try await withClient(baseURL: baseURL, streamSupport: streamSupport) { client in
            do {
                let answer = try await client.streamChat(
                    userID: "u-1", sessionID: "s-1", message: "hello", logger: ProviderHarness.logger
                ) { piece in
                    deltas.withLock { $0.append(piece) }
                    try onDelta(piece)
                }
                return (answer, nil, deltas.withLock { $0 })
            } catch {
                return (nil, error, deltas.withLock { $0 })
            }
        }
    }

    static func event(_ name: String, _ data: String) -> String {
        OutgoingEvent(name: name, data: data).encoded()
    }

    @Test("Deltas are handed on in order and done is the answer, the model from the header; start is read past")
    func streamsTheContract() async throws {
        try await StubHTTPServer.with(streaming: { _, _, writer in
            try await writer.head(headers: [("Content-Type", "text/event-stream"), ("x-sigmaris-model", "core-model")])
            try await writer.send(Self.event("start", #"{"trace_id":"t-1","session_id":"s-1"}"#))
            try await writer.send(": keep-alive\n\n")
            try await writer.send(Self.event("delta", #"{"text":"Hel"}"#) + Self.event("delta", #"{"text":"lo"}"#))
            try await writer.send(Self.event("done", #"{"reply":"Hello","meta":\#(Self.meta)}"#))
            try await writer.end()
        }) { server in
            let (answer, error, deltas) = try await Self.streamChat(baseURL: server.baseURL)
            #expect(error == nil)
            #expect(deltas == ["Hel", "lo"])
            #expect(answer?.reply == "Hello")
            #expect(answer?.model == "core-model")
            #expect(answer?.meta["trace_id"]?.stringValue == "t-1")
            let request = try #require(server.requests.first)
            #expect(request.method == "POST")
            #expect(request.uri == "/persona/chat/stream")
            #expect(request.header("accept") == "text/event-stream")
            #expect(request.header("authorization") == "Bearer " + Self.serviceKey)
            let body = try #require(try? JSONValue(parsing: request.body))
            #expect(body["user_id"]?.stringValue == "u-1")
            #expect(body["session_id"]?.stringValue == "s-1")
            #expect(body["message"]?.stringValue == "hello")
        }
    }

    /// Each way the core can fail, as a script.
    static let failures: [(String, StubHTTPServer.StreamScript)] = [
        ("non-200", { _, _, writer in
            try await writer.head(status: 503, headers: [("Content-Type", "application/json")])
            try await writer.send(#"{"error":"Database unavailable"}"#)
            try await writer.end()
        }),
        ("the reference's error event", { _, _, writer in
            try await writer.head()
            try await writer.send(Self.event("start", #"{"trace_id":"t-1","session_id":"s-1"}"#))
            try await writer.send(Self.event("error", #"{"error":"LLM provider failed","trace_id":"t-1"}"#))
            try await writer.end()
        }),
        ("error event", { _, _, writer in
            try await writer.head()
            try await writer.send(Self.event("delta", #"{"text":"Hel"}"#))
            try await writer.send(Self.event("error", #"{"error":"The provider failed","reason":"provider_failed"}"#))
            try await writer.end()
        }),
        ("no done", { _, _, writer in
            try await writer.head()
            try await writer.send(Self.event("delta", #"{"text":"Hel"}"#))
            try await writer.end()
        }),
        ("done without meta", { _, _, writer in
            try await writer.head()
            try await writer.send(Self.event("done", #"{"reply":"Hello"}"#))
            try await writer.end()
        }),
    ]

    @Test("A failing core is a 502 with reason core_failed", arguments: 0..<failures.count)
    func coreFails(index: Int) async throws {
        let (name, script) = Self.failures[index]
        try await StubHTTPServer.with(streaming: script) { server in
            let (answer, error, _) = try await Self.streamChat(baseURL: server.baseURL)
            #expect(answer == nil, "\(name)")
            let apiError = try #require(error as? APIError, "\(name)")
            #expect(apiError.status == .badGateway)
            #expect(apiError.reason == "core_failed")
            #expect(server.requests.count == 1, "a turn is sent once")
        }
    }

    @Test("An unreachable core is a 502 with reason core_failed")
    func unreachable() async throws {
        let reserved = try ReservedPort()
        defer { withExtendedLifetime(reserved) {} }
        let (_, error, _) = try await Self.streamChat(baseURL: "http://127.0.0.1:\(reserved.port)")
        let apiError = try #require(error as? APIError)
        #expect(apiError.status == .badGateway)
        #expect(apiError.reason == "core_failed")
        #expect(apiError.detail?.contains("couldNotConnect") == true)
    }

    struct ListenerGone: Error, Equatable {}

    @Test("onDelta throwing is rethrown unchanged and closes the core's stream")
    func onDeltaThrows() async throws {
        try await StubHTTPServer.with(streaming: { _, _, writer in
            try await writer.head()
            try await writer.send(Self.event("delta", #"{"text":"Hel"}"#))
            await writer.waitUntilClosed()
        }) { server in
            let (_, error, deltas) = try await Self.streamChat(baseURL: server.baseURL) { _ in throw ListenerGone() }
            #expect(error as? ListenerGone == ListenerGone())
            #expect(deltas == ["Hel"])
            #expect(await server.waitForAbandonedResponses(1))
        }
    }

    @Test("A cancelled turn aborts the core's stream and throws CancellationError")
    func cancelled() async throws {
        let seen = TestSignal()
        try await StubHTTPServer.with(streaming: { _, _, writer in
            try await writer.head()
            try await writer.send(Self.event("delta", #"{"text":"Hel"}"#))
            await writer.waitUntilClosed()
        }) { server in
            let turn = Task { try await Self.streamChat(baseURL: server.baseURL) { _ in seen.raise() } }
            await seen.wait()
            turn.cancel()
            let (answer, error, _) = try await turn.value
            #expect(answer == nil)
            #expect(error is CancellationError)
            #expect(await server.waitForAbandonedResponses(1))
        }
    }
}
