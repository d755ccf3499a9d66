import Testing
@testable import SigmarisEngine

@Suite("Ambiguity resolution (2.3)")
struct AmbiguityResolverTests {

    @Test("detects every token, Japanese and English, case-insensitively")
    func detection() {
        for token in PersonaConstants.Ambiguity.tokens {
            #expect(AmbiguityResolver.isAmbiguous("xx\(token)yy"), "\(token)")
        }
        #expect(AmbiguityResolver.isAmbiguous("Tell me about THAT THING"))
        #expect(!AmbiguityResolver.isAmbiguous("A brand new question"))
    }

    @Test("no token: all pointers kept")
    func notAmbiguous() {
        let pointers = [Fixtures.pointer("a", 0.5, "x")]
        let result = AmbiguityResolver.resolve(message: "hello", pointers: pointers, embeddings: EmbeddingMemo())
        #expect(result.resolved == pointers)
        #expect(result.discarded.isEmpty)
        #expect(result.reason == "no ambiguity detected")
        #expect(result.notes["pointer_count"]?.intValue == 1)
    }

    @Test("ambiguous but no message vector: keep all, reason says embedding unavailable")
    func embeddingUnavailable() {
        let pointers = [Fixtures.pointer("a", 0.5, "x")]
        let result = AmbiguityResolver.resolve(message: "それ", pointers: pointers, embeddings: EmbeddingMemo())
        #expect(result.resolved == pointers)
        #expect(result.reason.contains("embedding unavailable"))
    }

    @Test("re-ranks by similarity, drops below 0.15, keeps the top 3")
    func rerank() {
        // Message vector (1, 0). Similarities:
        //   B (1,7): 1/√50 = 0.1414 → dropped (< 0.15)
        //   C (1,6): 1/√37 = 0.1644 → kept, but 4th
        //   D (3,4): 0.6; A (1,0): 1.0; E (1,1): 1/√2 = 0.7071
        let memo = EmbeddingMemo(vectors: [
            "それは？": [1, 0], "B": [1, 7], "C": [1, 6], "D": [3, 4], "A": [1, 0], "E": [1, 1],
        ])
        let pointers = ["B", "C", "D", "A", "E"].map { Fixtures.pointer($0, 0.3, $0) }
        let result = AmbiguityResolver.resolve(message: "それは？", pointers: pointers, embeddings: memo)
        #expect(result.resolved.map(\.episodeID) == ["A", "E", "D"])
        expectClose(result.resolved[0].score, 1)
        expectClose(result.resolved[1].score, 1 / 2.0.squareRoot())
        expectClose(result.resolved[2].score, 0.6)
        #expect(result.discarded.map(\.episodeID) == ["B", "C"])
        #expect(result.reason == "ambiguity resolved by semantic reranking")
        #expect(result.notes["selected_count"]?.intValue == 3)
        #expect(result.notes["original_count"]?.intValue == 5)
    }

    @Test("all below 0.15: nothing kept, everything discarded")
    func nothingRelevant() {
        let memo = EmbeddingMemo(vectors: ["the last one": [1, 0], "far": [0, 1]])
        let pointers = [Fixtures.pointer("far", 0.9, "far"), Fixtures.pointer("blank", 0.9, "")]
        let result = AmbiguityResolver.resolve(message: "the last one", pointers: pointers, embeddings: memo)
        #expect(result.resolved.isEmpty)
        #expect(result.discarded.count == 2)
        #expect(result.reason == "ambiguity detected but no relevant memory")
    }

    @Test("the texts to embed are the message and the pointer summaries, only when ambiguous")
    func textsToEmbed() {
        let pointers = [Fixtures.pointer("a", 1, "sa"), Fixtures.pointer("b", 1, "sb")]
        #expect(AmbiguityResolver.textsToEmbed(message: "あれ", pointers: pointers) == ["あれ", "sa", "sb"])
        #expect(AmbiguityResolver.textsToEmbed(message: "plain", pointers: pointers).isEmpty)
        #expect(AmbiguityResolver.textsToEmbed(message: "あれ", pointers: []).isEmpty)
    }
}
