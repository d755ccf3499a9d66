import Foundation
import SigmarisApp
import SigmarisCurl
import SigmarisTestSupport
import Synchronization
import Testing

@Suite("OpenAI-compatible provider: streamed replies")
struct OpenAIProviderStreamingTests {
    /// Collects what `onDelta` was given.
    final class Deltas: Sendable {
        private let pieces = Mutex<[String]>([])
        var all: [String] { pieces.withLock { $0 } }
        func append(_ piece: String) { pieces.withLock { $0.append(piece) } }
    }

    /// A reply streamed from a stub running `script` that is expected to fail: the failure, the
    /// pieces handed over before it, and how many requests the stub saw.
    static func failedReply(
        timeouts: OpenAICompatibleProvider.Timeouts = .init(chat: .seconds(30), embeddings: .seconds(5)),
        _ script: @escaping StubHTTPServer.StreamScript
    ) async throws -> (error: ProviderError?, deltas: [String], requests: Int) {
        try await StubHTTPServer.with(streaming: script) { server in
            try await ProviderHarness.withStreamingProvider(baseURL: server.baseURL, timeouts: timeouts) { provider, _ in
                let deltas = Deltas()
                let error = await ProviderHarness.expectProviderError {
                    try await provider.streamReply(to: ProviderHarness.replyRequest()) { deltas.append($0) }
                }
                return (error, deltas.all, server.requests.count)
            }
        }
    }

    @Test("Pieces reach onDelta in order, one by one, and the reply is their concatenation")
    func deltasInOrder() async throws {
        let pieces = ["Hel", "lo, ", "wor", "ld — 日本"]
        let seen = TestSignal()
        let usage = Mutex<[ProviderTokenUsage]>([])
        try await StubHTTPServer.with(streaming: { _, _, writer in
            try await writer.head()
            try await writer.send(FakeOpenAIStream.roleChunk)
            for (index, piece) in pieces.enumerated() {
                // The next piece leaves only once the provider handed the last one over.
                await seen.wait(forRaises: index)
                try await writer.send(FakeOpenAIStream.piece(piece))
            }
            await seen.wait(forRaises: pieces.count)
            try await writer.send(FakeOpenAIStream.finishChunk + FakeOpenAIStream.usage(prompt: 12, completion: 4) + FakeOpenAIStream.done)
            try await writer.end()
        }) { server in
            try await ProviderHarness.withStreamingProvider(
                baseURL: server.baseURL, usageObserver: { observed in usage.withLock { $0.append(observed) } }
            ) { provider, streaming in
                let deltas = Deltas()
                let reply = try await provider.streamReply(to: ProviderHarness.replyRequest()) { piece in
                    deltas.append(piece)
                    seen.raise()
                }
                #expect(deltas.all == pieces)
                #expect(reply == pieces.joined())
                #expect(usage.withLock { $0 } == [ProviderTokenUsage(operation: .reply, promptTokens: 12, completionTokens: 4)])

                let request = try #require(server.requests.first)
                #expect(request.uri == "/chat/completions")
                #expect(request.header("accept") == "text/event-stream")
                #expect(request.header("authorization") == "Bearer " + ProviderHarness.apiKey)
                let body = try #require(FakeOpenAI.json(request))
                #expect(body["stream"] as? Bool == true)
                #expect((body["stream_options"] as? [String: Any])?["include_usage"] as? Bool == true)
                #expect(body["model"] as? String == ProviderHarness.personaModel)
                #expect(await waitUntil { streaming.activeTransferCount == 0 })
            }
        }
    }

    @Test("Partial lines and several events per read")
    func partialLinesAndSeveralEvents() async throws {
        let stream = FakeOpenAIStream.roleChunk + FakeOpenAIStream.piece("a") + FakeOpenAIStream.piece("b")
            + ": keep-alive\n\n" + FakeOpenAIStream.piece("c\nd") + FakeOpenAIStream.usage(prompt: 1, completion: 3)
            + FakeOpenAIStream.done
        let bytes = Array(stream.utf8)
        try await StubHTTPServer.with(streaming: { _, _, writer in
            try await writer.head()
            // Odd-sized writes: lines and events split anywhere, several in one write.
            var offset = 0
            var size = 1
            while offset < bytes.count {
                let end = min(bytes.count, offset + size)
                try await writer.send(Array(bytes[offset..<end]))
                offset = end
                size = size % 37 + 7
            }
            try await writer.end()
        }) { server in
            try await ProviderHarness.withStreamingProvider(baseURL: server.baseURL) { provider, _ in
                let deltas = Deltas()
                let reply = try await provider.streamReply(to: ProviderHarness.replyRequest()) { deltas.append($0) }
                #expect(deltas.all == ["a", "b", "c\nd"])
                #expect(reply == "abc\nd")
            }
        }
    }

    @Test("An error event mid-stream fails the reply and is not retried")
    func errorMidStream() async throws {
        let (error, deltas, requests) = try await Self.failedReply { _, _, writer in
            try await writer.head()
            try await writer.send(FakeOpenAIStream.roleChunk + FakeOpenAIStream.piece("Hel"))
            try await writer.send(FakeOpenAIStream.event(["error": ["message": "The server is overloaded", "type": "server_error"]]))
            try await writer.end()
        }
        #expect(error?.code == .transport)
        #expect(error?.detail?.contains("server_error") == true)
        #expect(error?.detail?.contains("overloaded") == true)
        #expect(deltas == ["Hel"])
        #expect(requests == 1)
    }

    @Test("A body that ends without [DONE] is malformed")
    func endsWithoutDone() async throws {
        let (error, deltas, requests) = try await Self.failedReply { _, _, writer in
            try await writer.head()
            try await writer.send(FakeOpenAIStream.piece("cut sh"))
            try await writer.end()
        }
        #expect(error?.code == .malformedResponse)
        #expect(deltas == ["cut sh"])
        #expect(requests == 1)
    }

    @Test("A chunk that is not JSON is malformed")
    func chunkNotJSON() async throws {
        let (error, _, _) = try await Self.failedReply { _, _, writer in
            try await writer.head()
            try await writer.send("data: <html>\n\n")
            try await writer.end()
        }
        #expect(error?.code == .malformedResponse)
        #expect(error?.detail?.contains("<html>") == false)
    }

    @Test("500 before the stream is retried, then the stream is read")
    func retriesBeforeTheStream() async throws {
        try await StubHTTPServer.with(streaming: { request, index, writer in
            guard index > 0 else {
                try await writer.head(status: 500, headers: [("Content-Type", "application/json")])
                try await writer.send(#"{"error":{"message":"The server had an error","type":"server_error"}}"#)
                try await writer.end()
                return
            }
            try await FakeOpenAIStream.answer(["second ", "try"])(request, index, writer)
        }) { server in
            try await ProviderHarness.withStreamingProvider(baseURL: server.baseURL) { provider, _ in
                let deltas = Deltas()
                let reply = try await provider.streamReply(to: ProviderHarness.replyRequest()) { deltas.append($0) }
                #expect(reply == "second try")
                #expect(deltas.all == ["second ", "try"])
                #expect(server.requests.count == 2)
            }
        }
    }

    @Test("500 every time: the same ProviderError as reply(to:), with the excerpt")
    func exhaustsRetries() async throws {
        let (error, _, requests) = try await Self.failedReply { _, _, writer in
            try await writer.head(status: 500, headers: [("Content-Type", "application/json")])
            try await writer.send(#"{"error":{"message":"bad \#(ProviderHarness.apiKey)","type":"server_error"}}"#)
            try await writer.end()
        }
        #expect(error?.code == .http(status: 500))
        #expect(error?.attempts == 3)
        #expect(error?.detail?.contains("server_error") == true)
        #expect(error?.description.contains(ProviderHarness.apiKey) == false)
        #expect(requests == 3)
    }

    @Test("A refused connection fails as transport after the retries")
    func connectRefused() async throws {
        let reserved = try ReservedPort()
        defer { withExtendedLifetime(reserved) {} }
        try await ProviderHarness.withStreamingProvider(baseURL: "http://127.0.0.1:\(reserved.port)/v1") { provider, _ in
            let error = await ProviderHarness.expectProviderError {
                try await provider.streamReply(to: ProviderHarness.replyRequest()) { _ in }
            }
            #expect(error?.code == .transport)
            #expect(error?.attempts == 3)
        }
    }

    struct ListenerGone: Error, Equatable {}

    @Test("onDelta throwing is rethrown unchanged and aborts the transfer")
    func onDeltaThrows() async throws {
        try await StubHTTPServer.with(streaming: { _, _, writer in
            try await writer.head()
            try await writer.send(FakeOpenAIStream.roleChunk + FakeOpenAIStream.piece("first"))
            await writer.waitUntilClosed()
        }) { server in
            try await ProviderHarness.withStreamingProvider(baseURL: server.baseURL) { provider, streaming in
                await #expect(throws: ListenerGone()) {
                    try await provider.streamReply(to: ProviderHarness.replyRequest()) { _ in throw ListenerGone() }
                }
                #expect(await server.waitForAbandonedResponses(1))
                #expect(await waitUntil { streaming.activeTransferCount == 0 })
                #expect(server.requests.count == 1)
            }
        }
    }

    @Test("The chat timeout bounds the whole stream")
    func timeout() async throws {
        let (error, deltas, requests) = try await Self.failedReply(timeouts: .init(chat: .milliseconds(400), embeddings: .seconds(5))) {
            _, _, writer in
            try await writer.head()
            try await writer.send(FakeOpenAIStream.piece("slow"))
            await writer.waitUntilClosed()
        }
        #expect(error?.code == .timeout)
        // On a loaded machine the timeout may even come before the first piece.
        #expect(deltas == ["slow"] || deltas.isEmpty)
        #expect(requests == 1, "a stream that timed out is not re-sent")
    }
}
