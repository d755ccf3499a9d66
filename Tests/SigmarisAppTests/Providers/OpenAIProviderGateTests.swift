import Foundation
import Logging
import SigmarisApp
import SigmarisCurl
import SigmarisEngine
import SigmarisTestSupport
import Testing

/// The OpenAI-compatible provider behind an `OutboundGate`, against a stub over a real socket: the
/// breaker, the cap and its queue, one deadline per call, and a place held for a whole stream.
@Suite("OpenAI-compatible provider behind its gate")
struct OpenAIProviderGateTests {
    static func gate(inFlight: Int = 8, queued: Int = 8, failures: Int = 3) -> OutboundGate {
        OutboundGate(
            upstream: "provider",
            settings: OutboundGate.Settings(
                maxInFlight: inFlight, maxQueued: queued, breaker: CircuitBreaker.Settings(failureThreshold: failures, coolDown: .seconds(30))),
            logger: ProviderHarness.logger)
    }

    static func withProvider<T>(
        baseURL: String, gate: OutboundGate, timeouts: OpenAICompatibleProvider.Timeouts = .init(chat: .seconds(20), embeddings: .seconds(20)),
        streams: Bool = false, _ body: (OpenAICompatibleProvider) async throws -> T
    ) async throws -> T {
        try await withHTTPClient(requestTimeout: .seconds(30)) { http in
            try await body(OpenAICompatibleProvider(
                baseURL: baseURL, apiKey: ProviderHarness.apiKey, personaModel: ProviderHarness.personaModel,
                embeddingModel: ProviderHarness.embeddingModel, http: http, streamsReplies: streams, gate: gate,
                logger: ProviderHarness.logger, timeouts: timeouts, retry: ProviderHarness.fastRetry))
        }
    }

    @Test("failures in a row open the breaker: the next call is unavailable, and never reaches the server")
    func breakerOpens() async throws {
        try await StubHTTPServer.with({ _, _ in StubResponse.json(#"{"error":{"message":"down"}}"#, status: 500) }) { server in
            let gate = Self.gate(failures: 3)
            try await Self.withProvider(baseURL: server.baseURL, gate: gate) { provider in
                let first = await ProviderHarness.expectProviderError { try await provider.embed(["a"]) }
                #expect(first?.code == .http(status: 500))
                #expect(first?.attempts == 3)
                #expect(gate.breakerPhase == "open")

                let second = await ProviderHarness.expectProviderError { try await provider.reply(to: ProviderHarness.replyRequest()) }
                #expect(second?.code == .unavailable)
                #expect(second?.attempts == 0)
                #expect(second?.refusal?.kind == .unavailable)
                #expect((1...30).contains(second?.refusal?.retryAfterSeconds ?? 0))
                #expect(server.requests.count == 3)
                #expect(gate.inFlight == 0)
            }
        }
    }

    @Test("past the cap and its queue a call is busy at once; the held call's place comes back when it ends")
    func busyPastTheCap() async throws {
        let behavior = FakeOpenAI.behavior(chat: { _ in nil })  // embeddings answer, chat never does
        try await StubHTTPServer.with(behavior) { server in
            let gate = Self.gate(inFlight: 1, queued: 0)
            try await Self.withProvider(baseURL: server.baseURL, gate: gate) { provider in
                let held = Task { try? await provider.reply(to: ProviderHarness.replyRequest()) }
                #expect(await waitUntil { gate.inFlight == 1 && server.requests.count == 1 })

                let refused = await ProviderHarness.expectProviderError { try await provider.embed(["x"]) }
                #expect(refused?.code == .busy)
                #expect(refused?.refusal == ProviderRefusal(kind: .busy, retryAfterSeconds: 1))
                #expect(server.requests.count == 1, "the refused call was not sent")

                held.cancel()
                _ = await held.value
                #expect(await waitUntil { gate.inFlight == 0 })
                #expect(gate.breakerPhase == "closed", "a call cancelled by its caller says nothing against the provider")
                let vectors = try await provider.embed(["x"])
                #expect(vectors.count == 1)
            }
        }
    }

    @Test("the timeout is one deadline for the call: retries that would pass it are not made")
    func oneDeadlineForTheCall() async throws {
        let busy = StubResponse(status: 503, headers: [("Retry-After", "5"), ("Content-Type", "application/json")], body: Array("{}".utf8))
        try await StubHTTPServer.with({ _, _ in busy }) { server in
            try await Self.withProvider(
                baseURL: server.baseURL, gate: Self.gate(failures: 0), timeouts: .init(chat: .seconds(20), embeddings: .seconds(8))
            ) { provider in
                // Three attempts would wait 2 x 5 s between them: more than the 8 s the call has. The
                // margins are seconds wide, so a busy machine's slow answer still ends as the 503.
                let error = await ProviderHarness.expectProviderError { try await provider.embed(["a"]) }
                #expect(error?.code == .http(status: 503))
                #expect((1...2).contains(error?.attempts ?? 0))
                #expect(server.requests.count == error?.attempts)
            }
        }
    }

    @Test("a streamed reply holds its place until its last event")
    func streamHoldsItsPlace() async throws {
        let release = TestSignal()
        let script: StubHTTPServer.StreamScript = { _, _, writer in
            try await writer.head()
            try await writer.send(FakeOpenAIStream.roleChunk + FakeOpenAIStream.piece("Hel"))
            await release.wait()
            try await writer.send(FakeOpenAIStream.piece("lo") + FakeOpenAIStream.finishChunk + FakeOpenAIStream.done)
            try await writer.end()
        }
        try await StubHTTPServer.with(streaming: script) { server in
            let gate = Self.gate(inFlight: 1, queued: 0)
            try await Self.withProvider(baseURL: server.baseURL, gate: gate, streams: true) { provider in
                let pieces = TestSignal()
                async let reply = provider.streamReply(to: ProviderHarness.replyRequest()) { _ in pieces.raise() }
                await pieces.wait()
                #expect(gate.inFlight == 1, "the stream's head arrived, but the call is not over")
                release.raise()
                let text = try await reply
                #expect(text == "Hello")
                #expect(gate.inFlight == 0)
            }
        }
    }
}
