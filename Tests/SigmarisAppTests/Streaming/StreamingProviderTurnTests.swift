import Foundation
import HummingbirdTesting
import NIOCore
import NIOPosix
@testable import SigmarisApp
import SigmarisCurl
import SigmarisEngine
import SigmarisTestSupport
import Testing

/// Streamed turns end to end with the OpenAI-compatible provider against a streaming stub over a
/// real socket, the service on a real socket too, and the real database.
@Suite("Streamed turns through a streaming provider", .enabled(if: TestDatabase.shouldRun))
struct StreamingProviderTurnTests {
    /// A chat script that holds its reply: the role chunk at once, then `reply` only once `gate` is
    /// raised, so a test can keep a streamed turn in flight for as long as it needs.
    static func held(until gate: TestSignal, reply: String = "Here I am.") -> StubHTTPServer.StreamScript {
        { _, _, writer in
            try await writer.head()
            try await writer.send(FakeOpenAIStream.roleChunk)
            await gate.wait()
            try await writer.send(FakeOpenAIStream.piece(reply))
            try await writer.send(FakeOpenAIStream.finishChunk + FakeOpenAIStream.done)
            try await writer.end()
        }
    }

    /// The stub: embeddings as JSON, chat completions streamed by `chat`.
    static func stub(chat: @escaping StubHTTPServer.StreamScript) -> StubHTTPServer.StreamScript {
        { request, index, writer in
            guard request.uri.hasSuffix("/chat/completions") else {
                let answer = FakeOpenAI.embeddingsAnswer(for: request)
                try await writer.head(status: answer.status, headers: answer.headers.map { ($0.name, $0.value) })
                try await writer.send(answer.body)
                try await writer.end()
                return
            }
            try await chat(request, index, writer)
        }
    }

    static func configuration(provider: StubHTTPServer, raiseErrors: Bool = false) throws -> SigmarisConfiguration {
        var configuration = try TestConfiguration.database()
        configuration.llmProvider = .openai
        configuration.openAIBaseURL = URL(string: provider.baseURL + "/v1")!
        configuration.raiseLLMErrors = raiseErrors
        return configuration
    }

    /// One streamed `/api/aei` turn of a new user through a service whose provider's chat answers
    /// with `chat` (over a real socket): its events, and the user's rows afterwards.
    static func streamedTurn(chat: @escaping StubHTTPServer.StreamScript) async throws -> ([SSE.Event], API.RowCounts) {
        try await StubHTTPServer.with(streaming: Self.stub(chat: chat)) { provider in
            let app = try buildApplication(configuration: try Self.configuration(provider: provider), logger: TestConfiguration.logger)
            let user = UUID()
            let events = try await app.test(.live) { client in try await SSE.aei(client, user: user, text: "hi") }
            return (events, try await API.rowCounts(userID: user.uuidString.lowercased()))
        }
    }

    @Test("deltas arrive in the provider's order and add up to the stored reply, on both routes")
    func deltasInOrder() async throws {
        let pieces = ["Hel", "lo, ", "friend", " — 日本"]
        try await StubHTTPServer.with(streaming: Self.stub(chat: FakeOpenAIStream.answer(pieces))) { provider in
            let app = try buildApplication(configuration: try Self.configuration(provider: provider), logger: TestConfiguration.logger)
            let user = UUID()
            try await app.test(.router) { client in
                let events = try await SSE.aei(client, user: user, text: "hi there")
                #expect(events.filter { $0.name == "delta" }.compactMap { $0.data["text"]?.stringValue } == pieces)
                #expect(events.last?.name == "done")
                #expect(events.last?.data["output"]?.stringValue == pieces.joined())
                try await client.execute(
                    uri: "/persona/chat", method: .post, headers: SSE.headers(API.userToken(user)), body: API.body(#"{"message":"again"}"#)
                ) { response in
                    let events = try SSE.events(response)
                    #expect(SSE.deltaText(events) == pieces.joined())
                    #expect(events.last?.data["reply"]?.stringValue == pieces.joined())
                }
            }
            #expect(try await API.rowCounts(userID: user.uuidString.lowercased()) == .init(
                messages: 2, snapshots: 1, turns: 4, episodes: 2, personaState: 1))
        }
    }

    @Test("a provider failing mid-stream ends the stream with an error event and stores nothing")
    func midStreamFailure() async throws {
        let script: StubHTTPServer.StreamScript = { _, _, writer in
            try await writer.head()
            try await writer.send(FakeOpenAIStream.roleChunk + FakeOpenAIStream.piece("Half an ans"))
            try await writer.send(FakeOpenAIStream.event(["error": ["type": "server_error", "message": "model crashed"]]))
            try await writer.end()
        }
        // Even with fallback replies on: text already shown cannot be replaced.
        let (events, rows) = try await Self.streamedTurn(chat: script)
        #expect(events.map(\.name) == ["delta", "error"])
        #expect(events.last?.data["reason"]?.stringValue == "provider_failed")
        #expect(rows == .init())
    }

    @Test("a provider failing before the first piece gives the fallback reply as one delta, stored as the JSON route does")
    func failureBeforeFirstPiece() async throws {
        let script: StubHTTPServer.StreamScript = { _, _, writer in
            try await writer.head(status: 400, headers: [("Content-Type", "application/json")])
            try await writer.send(#"{"error":{"type":"invalid_request_error","message":"bad"}}"#)
            try await writer.end()
        }
        let (events, rows) = try await Self.streamedTurn(chat: script)
        #expect(events.map(\.name) == ["delta", "done"])
        #expect(SSE.deltaText(events) == PersonaConstants.Turn.providerFallbackReply)
        #expect(rows.messages == 2)
    }

    @Test("a client that disconnects mid-stream cancels the provider request, and nothing is stored")
    func clientDisconnects() async throws {
        let firstPieceSent = TestSignal()
        let script = Self.stub { _, _, writer in
            try await writer.head()
            try await writer.send(FakeOpenAIStream.roleChunk + FakeOpenAIStream.piece("Still "))
            firstPieceSent.raise()
            // Never finishes on its own: only the service giving up ends this response.
            await writer.waitUntilClosed()
        }
        try await StubHTTPServer.with(streaming: script) { provider in
            let app = try buildApplication(configuration: try Self.configuration(provider: provider), logger: TestConfiguration.logger)
            let user = UUID()
            try await app.test(.live) { client in
                let port = try #require(client.port)
                let channel = try await LeavingClient.startTurn(
                    port: port, token: API.userToken(user), text: "tell me a long story", streamed: true)
                await firstPieceSent.wait()
                try await channel.close()
                #expect(await provider.waitForAbandonedResponses(1), "the provider request outlived its client")
            }
            #expect(try await API.rowCounts(userID: user.uuidString.lowercased()) == .init())
        }
    }
}
