import Testing
@testable import SigmarisEngine

@Suite("Engine failure handling")
struct PersonaEngineFailureTests {

    @Test("a failing reply provider yields the fixed fallback sentence by default")
    func fallback() async throws {
        let engine = PersonaEngine(provider: StubProvider(failReplies: true), anchors: SafetyAnchorCache())
        let result = try await engine.runTurn(
            TurnRequest(userID: "u", message: "hi"), state: .initial, recentEpisodes: [], context: Fixtures.context(1)
        )
        #expect(result.reply == PersonaConstants.Turn.providerFallbackReply)
        #expect(result.usedFallbackReply)
        #expect(result.episode.summary == TextRules.prefix(PersonaConstants.Turn.providerFallbackReply, 120))
        let event = result.traceEvents.first { $0.name == "llm_generated" }
        #expect(event?.fields["fallback"] == true)
        // The provider error text is redacted before it is recorded.
        let error = event?.fields["error"]?.stringValue ?? ""
        #expect(!error.contains("sk-secret123"))
        #expect(!error.contains("abc"))
    }

    @Test("with raiseProviderErrors the turn throws a redacted providerFailed")
    func raises() async {
        let engine = PersonaEngine(provider: StubProvider(failReplies: true), anchors: SafetyAnchorCache())
        do {
            _ = try await engine.runTurn(
                TurnRequest(userID: "u", message: "hi"), state: .initial, recentEpisodes: [], context: Fixtures.context(1, raise: true)
            )
            Issue.record("expected providerFailed")
        } catch {
            guard case .providerFailed(let description) = error else { return }
            #expect(description.contains("upstream 500"))
            #expect(!description.contains("sk-secret123"))
        }
    }

    /// A provider whose replies are refused before they are sent (the service's gate said busy or
    /// unavailable): the engine's own stub, so the rule is the engine's, not the app's.
    struct RefusingProvider: PersonaProvider {
        struct Refused: ProviderRefusalReporting, CustomStringConvertible {
            let refusal: ProviderRefusal?
            var description: String { "provider chat/completions failed: unavailable (not sent)" }
        }

        var modelName: String { "refusing" }
        func embed(_ texts: [String]) async throws -> [[Float]] { texts.map { _ in [1, 0, 0, 0] } }
        func reply(to request: ReplyRequest) async throws -> String {
            throw Refused(refusal: ProviderRefusal(kind: .unavailable, retryAfterSeconds: 12))
        }
    }

    @Test("a refused reply call is a failure like any other: the fallback by default, providerRefused when raised")
    func refusal() async throws {
        let engine = PersonaEngine(provider: RefusingProvider(), anchors: SafetyAnchorCache())
        let result = try await engine.runTurn(
            TurnRequest(userID: "u", message: "hi"), state: .initial, recentEpisodes: [], context: Fixtures.context(1)
        )
        #expect(result.reply == PersonaConstants.Turn.providerFallbackReply)
        #expect(result.usedFallbackReply)

        await #expect(throws: PersonaEngineError.providerRefused(ProviderRefusal(kind: .unavailable, retryAfterSeconds: 12))) {
            _ = try await engine.runTurn(
                TurnRequest(userID: "u", message: "hi"), state: .initial, recentEpisodes: [], context: Fixtures.context(1, raise: true)
            )
        }
        // A refusal never says "retry after 0 s".
        #expect(ProviderRefusal(kind: .busy, retryAfterSeconds: 0).retryAfterSeconds == 1)
    }

    @Test("an empty reply counts as a provider failure")
    func emptyReply() async throws {
        let engine = PersonaEngine(provider: StubProvider(defaultReply: "  \n "), anchors: SafetyAnchorCache())
        let result = try await engine.runTurn(
            TurnRequest(userID: "u", message: "hi"), state: .initial, recentEpisodes: [], context: Fixtures.context(1)
        )
        #expect(result.reply == PersonaConstants.Turn.providerFallbackReply)
    }

    @Test("failing embeddings never fail a turn: similarity 0, recency bonus only, no semantic safety")
    func embeddingsDown() async throws {
        let provider = StubProvider(failEmbeddings: true)
        let engine = PersonaEngine(provider: provider, anchors: SafetyAnchorCache())
        let episodes = [Fixtures.episode("e", "summary")]
        let result = try await engine.runTurn(
            TurnRequest(userID: "u", message: "hello"), state: .initial, recentEpisodes: episodes, context: Fixtures.context(1)
        )
        // Score 0 + 0.03 < 0.12 → nothing recalled.
        #expect(result.meta["memory"]?["initial_pointer_count"] == 0)
        #expect(result.safety.riskScore == 0)
        #expect(result.episode.embedding.isEmpty)
        #expect(result.reply == "OK.")
        #expect(result.traceEvents.first { $0.name == "memory_selected" }?.fields["embedding_error"]?.stringValue != nil)
    }

    @Test("ambiguous message whose embedding fails: pointers kept, reason says embedding unavailable")
    func ambiguityWithoutEmbedding() {
        let selection = MemorySelector.select(
            message: "それ", recalled: [Fixtures.pointer("a", 0.5, "x")], episodes: [Fixtures.episode("a", "x")],
            embeddings: EmbeddingMemo()
        )
        #expect(selection.pointers.count == 1)
        #expect(selection.raw["ambiguity"]?["reason"]?.stringValue?.contains("embedding unavailable") == true)
    }
}
