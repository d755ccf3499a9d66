import Testing
@testable import SigmarisEngine

@Suite("Past-question search over recent episodes")
struct RecentEpisodeSearchTests {

    @Test("trigger phrases in English and Japanese")
    func triggers() {
        #expect(RecentEpisodeSearch.isPastQuestion("What did we talk about LAST TIME?"))
        #expect(RecentEpisodeSearch.isPastQuestion("前回の話を覚えてる？"))
        #expect(RecentEpisodeSearch.isPastQuestion("チャット履歴を見せて"))
        #expect(!RecentEpisodeSearch.isPastQuestion("What is the weather?"))
        #expect(!RecentEpisodeSearch.isPastQuestion("   "))
    }

    @Test("no hits: zero count and null label/preview")
    func noHits() {
        let result = RecentEpisodeSearch.search(
            message: "m", episodes: [Fixtures.episode("a", "x", embedding: [0, 1])], embeddings: EmbeddingMemo(vectors: ["m": [1, 0]])
        )
        #expect(result.json == ["hit_count": 0, "topic_label": nil, "preview": nil, "engine": "recent_episodes"])
    }

    @Test("best hit names the topic, cut to 24 characters")
    func labelCut() {
        let raw = String(repeating: "話", count: 30)
        let episodes = [
            Fixtures.episode("weak", "weak", embedding: [0.3, 1]),
            Fixtures.episode("strong", "strong summary", embedding: [1, 0.1], raw: raw),
        ]
        let result = RecentEpisodeSearch.search(message: "m", episodes: episodes, embeddings: EmbeddingMemo(vectors: ["m": [1, 0]]))
        #expect(result.hitCount == 2)
        #expect(result.topicLabel == String(repeating: "話", count: 24) + "…")
        #expect(result.preview == "strong summary")
    }
}
