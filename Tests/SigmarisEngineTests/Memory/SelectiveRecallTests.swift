import Testing
@testable import SigmarisEngine

@Suite("Selective recall (2.2)")
struct SelectiveRecallTests {

    @Test("score = cosine + 0.03 * (total - i) / total; below 0.12 is dropped")
    func scoresWithRecencyBonus() {
        let episodes = [
            Fixtures.episode("e0", "alpha", embedding: [1, 0, 0, 0]), // 1 + 0.03 * 3/3 = 1.03
            Fixtures.episode("e1", "beta", embedding: [0, 1, 0, 0]),  // 0 + 0.03 * 2/3 = 0.02 → dropped
            Fixtures.episode("e2", "gamma"),                          // summary vector: 0.6 + 0.03 * 1/3 = 0.61
        ]
        let memo = EmbeddingMemo(vectors: ["query": [1, 0, 0, 0], "gamma": [0.6, 0.8, 0, 0]])
        let pointers = SelectiveRecall.recall(message: "query", episodes: episodes, embeddings: memo)
        #expect(pointers.map(\.episodeID) == ["e0", "e2"])
        expectClose(pointers[0].score, 1.03)
        expectClose(pointers[1].score, 0.61, tolerance: 1e-7)
        #expect(pointers[0].source == "episodic")
    }

    @Test("an older, more similar episode outranks a newer one")
    func similarityBeatsRecency() {
        let episodes = [
            Fixtures.episode("new", "n", embedding: [0, 1]), // 0.6 + 0.03 = 0.63
            Fixtures.episode("old", "o", embedding: [0.6, 0.8]), // 0.96 + 0.015 = 0.975
        ]
        let memo = EmbeddingMemo(vectors: ["q": [0.8, 0.6]])
        let pointers = SelectiveRecall.recall(message: "q", episodes: episodes, embeddings: memo)
        #expect(pointers.map(\.episodeID) == ["old", "new"])
        expectClose(pointers[0].score, 0.975, tolerance: 1e-7)
        expectClose(pointers[1].score, 0.63, tolerance: 1e-7)
    }

    @Test("without a message vector only the recency bonus is left (all below 0.12)")
    func noQueryVector() {
        let episodes = [Fixtures.episode("e0", "a", embedding: [1, 0])]
        // Bonus 0.03 alone < 0.12.
        #expect(SelectiveRecall.recall(message: "q", episodes: episodes, embeddings: EmbeddingMemo()).isEmpty)
    }

    @Test("episodes without an id are skipped but still count in `total`")
    func skipsMissingIDs() {
        let episodes = [
            Fixtures.episode("", "a", embedding: [1, 0]),
            Fixtures.episode("e1", "b", embedding: [1, 0]), // 1 + 0.03 * 1/2 = 1.015
        ]
        let pointers = SelectiveRecall.recall(message: "q", episodes: episodes, embeddings: EmbeddingMemo(vectors: ["q": [1, 0]]))
        #expect(pointers.map(\.episodeID) == ["e1"])
        expectClose(pointers[0].score, 1.015)
    }

    @Test("ranking is stable on ties, keeps exactly 0.12 and takes the top 5")
    func ranking() {
        let pointers = [
            Fixtures.pointer("a", 0.5, ""), Fixtures.pointer("b", 0.9, ""), Fixtures.pointer("c", 0.5, ""),
            Fixtures.pointer("d", 0.12, ""), Fixtures.pointer("e", 0.1199, ""), Fixtures.pointer("f", 0.5, ""),
            Fixtures.pointer("g", 0.5, ""),
        ]
        let ranked = SelectiveRecall.rank(pointers)
        #expect(ranked.map(\.episodeID) == ["b", "a", "c", "f", "g"])
        let withBoundary = SelectiveRecall.rank([Fixtures.pointer("d", 0.12, ""), Fixtures.pointer("e", 0.1199, "")])
        #expect(withBoundary.map(\.episodeID) == ["d"])
    }

    @Test("pointer summaries are the first 200 characters")
    func summaryCut() {
        let long = String(repeating: "記", count: 250)
        let pointers = SelectiveRecall.recall(
            message: "q", episodes: [Fixtures.episode("e", long, embedding: [1])], embeddings: EmbeddingMemo(vectors: ["q": [1]])
        )
        #expect(TextRules.length(pointers[0].summary) == 200)
    }

    @Test("only episodes without stored embeddings need their summary embedded")
    func textsToEmbed() {
        let episodes = [Fixtures.episode("a", "stored", embedding: [1]), Fixtures.episode("b", "fresh")]
        #expect(SelectiveRecall.textsToEmbed(message: "m", episodes: episodes) == ["m", "fresh"])
    }
}
