import Foundation
import SigmarisApp
import SigmarisEngine
import SigmarisTestSupport
import Testing

/// The engine driven through the real provider and a real HTTP stub: what actually goes over the wire.
@Suite("OpenAI-compatible provider under the persona engine")
struct OpenAIProviderEngineTests {
    static let anchorSentences = Set(PersonaConstants.Safety.semanticAnchors.map(\.sentence))

    static func context(_ n: Int, raise: Bool = false) -> TurnContext {
        TurnContext(
            traceID: String(repeating: String(n), count: 32), episodeID: "ep-\(n)",
            now: Date(timeIntervalSince1970: 1_700_000_000 + Double(n)),
            defaultSessionSuffix: String(repeating: "a", count: 32), raiseProviderErrors: raise
        )
    }

    /// The embedding inputs of each embeddings request among `requests`.
    static func embeddingBatches(_ requests: ArraySlice<StubRequest>) -> [[String]] {
        requests.filter { $0.uri.hasSuffix("/embeddings") }.map(FakeOpenAI.inputs(of:))
    }

    @Test("two turns: anchors embedded once in all, no text embedded twice within a turn")
    func embeddingTraffic() async throws {
        try await StubHTTPServer.with(FakeOpenAI.behavior()) { server in
            try await ProviderHarness.withProvider(baseURL: server.baseURL + "/v1") { provider in
                let engine = PersonaEngine(provider: provider, anchors: SafetyAnchorCache())

                let first = try await engine.runTurn(
                    TurnRequest(userID: "u", sessionID: "s", message: "I planted tomatoes in the garden today."),
                    state: .initial, recentEpisodes: [], context: Self.context(1)
                )
                let afterFirst = server.requests.count
                // An ambiguous follow-up, so recall and ambiguity resolution both need embeddings.
                let second = try await engine.runTurn(
                    TurnRequest(userID: "u", sessionID: "s", message: "Do you remember that thing about the garden?"),
                    state: first.newState, recentEpisodes: [first.episode], context: Self.context(2)
                )

                #expect(first.reply == FakeOpenAI.reply)
                #expect(second.reply == FakeOpenAI.reply)
                #expect(!first.usedFallbackReply && !second.usedFallbackReply)
                #expect(first.episode.embedding == FakeOpenAI.vector(for: TextRules.prefix(FakeOpenAI.reply, 120)))

                let turns = [server.requests[..<afterFirst], server.requests[afterFirst...]]
                let allBatches = turns.flatMap(Self.embeddingBatches)
                let anchorBatches = allBatches.filter { !Self.anchorSentences.isDisjoint(with: $0) }
                #expect(anchorBatches.count == 1, "anchors are embedded once per process, not per turn")
                #expect(Set(anchorBatches.first ?? []) == Self.anchorSentences)

                for (number, turn) in turns.enumerated() {
                    let texts = Self.embeddingBatches(turn).flatMap { $0 }
                    #expect(texts.count == Set(texts).count, "turn \(number + 1) embedded a text twice: \(texts)")
                    #expect(!texts.contains(""), "empty texts are never sent")
                    #expect(turn.filter { $0.uri.hasSuffix("/chat/completions") }.count == 1)
                }
                // Turn 2 recalled the first episode and resolved the ambiguity, so every batch ran.
                #expect(second.meta["memory"]?["initial_pointer_count"] == 1)
                #expect(second.meta["memory"]?["ambiguity"]?["resolved_count"] == 1)
                // Recall used the episode's stored vector: the first batch held only the message.
                #expect(Self.embeddingBatches(turns[1]).first == [second.turnRows[0].content])
                #expect(await engine.anchors.isCached(modelName: ProviderHarness.personaModel))
            }
        }
    }

    @Test("a failing chat endpoint gives the fallback reply; embeddings still work")
    func fallbackReply() async throws {
        try await StubHTTPServer.with(FakeOpenAI.behavior(chat: { _ in StubResponse(status: 500) })) { server in
            try await ProviderHarness.withProvider(baseURL: server.baseURL) { provider in
                let engine = PersonaEngine(provider: provider, anchors: SafetyAnchorCache())
                let result = try await engine.runTurn(
                    TurnRequest(userID: "u", message: "hello"), state: .initial, recentEpisodes: [], context: Self.context(1)
                )
                #expect(result.usedFallbackReply)
                #expect(result.reply == PersonaConstants.Turn.providerFallbackReply)
                #expect(result.episode.embedding == FakeOpenAI.vector(for: result.episode.summary))
                // Three chat attempts (retries), then the engine falls back.
                #expect(server.requests.filter { $0.uri.hasSuffix("/chat/completions") }.count == 3)
                let event = result.traceEvents.first { $0.name == PersonaConstants.Trace.llmGenerated }
                let recorded = event?.fields["error"]?.stringValue ?? ""
                #expect(recorded.contains("HTTP 500"))
                #expect(!recorded.contains(ProviderHarness.apiKey))
            }
        }
    }

    @Test("with raiseProviderErrors the failing chat fails the turn, redacted")
    func raisesProviderErrors() async throws {
        try await StubHTTPServer.with(FakeOpenAI.behavior(chat: { _ in StubResponse(status: 503) })) { server in
            try await ProviderHarness.withProvider(baseURL: server.baseURL) { provider in
                let engine = PersonaEngine(provider: provider, anchors: SafetyAnchorCache())
                do {
                    _ = try await engine.runTurn(
                        TurnRequest(userID: "u", message: "hello"), state: .initial, recentEpisodes: [],
                        context: Self.context(1, raise: true)
                    )
                    Issue.record("expected providerFailed")
                } catch let error as PersonaEngineError {
                    guard case .providerFailed(let description) = error else { return }
                    #expect(description.contains("HTTP 503"))
                    #expect(!description.contains(ProviderHarness.apiKey))
                }
            }
        }
    }
}
