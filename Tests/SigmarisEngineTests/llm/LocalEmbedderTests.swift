import Testing
@testable import SigmarisEngine

@Suite("Local embedder")
struct LocalEmbedderTests {

    func cosine(_ a: String, _ b: String) -> Double {
        VectorSimilarity.cosine(LocalEmbedder.embed(a), LocalEmbedder.embed(b))
    }

    @Test("256 dimensions, unit length, identical across calls")
    func deterministic() {
        let first = LocalEmbedder.embed("The quick brown fox")
        let second = LocalEmbedder.embed("The quick brown fox")
        #expect(first.count == 256)
        #expect(first == second)
        let norm = first.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot()
        expectClose(norm, 1, tolerance: 1e-6)
    }

    @Test("a known vector: one word hashes to exactly one ±1 slot")
    func singleWord() {
        // "hello" has a single feature: FNV-1a over the word tag then "hello".
        var hasher = FNV1a64()
        hasher.combine(PersonaConstants.Local.wordFeatureTag)
        hasher.combine(Array("hello".utf8))
        let slot = Int(hasher.value % 256)
        let sign: Float = (hasher.value >> 63) == 0 ? 1 : -1
        let vector = LocalEmbedder.embed("Hello!")
        #expect(vector[slot] == sign)
        #expect(vector.filter { $0 != 0 }.count == 1)
    }

    @Test("same text → cosine 1; case and punctuation do not matter")
    func sameText() {
        expectClose(cosine("Remember our Kyoto trip?", "remember our kyoto trip"), 1, tolerance: 1e-6)
    }

    @Test("empty or feature-less text → the zero vector, cosine 0")
    func empty() {
        let empty = LocalEmbedder.embed("")
        #expect(empty.count == 256)
        #expect(empty.allSatisfy { $0 == 0 })
        #expect(LocalEmbedder.embed(" !? ").allSatisfy { $0 == 0 })
        #expect(cosine("", "anything") == 0)
    }

    @Test("Japanese works through character n-grams")
    func japanese() {
        expectClose(cosine("京都旅行の計画", "京都旅行の計画"), 1, tolerance: 1e-6)
        let related = cosine("京都旅行の計画を立てたい", "京都旅行の計画について")
        let unrelated = cosine("京都旅行の計画を立てたい", "晩ご飯は何にしよう")
        #expect(related > 0.5)
        #expect(related > unrelated)
        // A single kanji is a unigram feature, not nothing.
        #expect(!LocalEmbedder.embed("猫").allSatisfy { $0 == 0 })
    }

    @Test("English overlap ranks above no overlap")
    func english() {
        let related = cosine("planning a trip to kyoto", "kyoto trip planning tips")
        let unrelated = cosine("planning a trip to kyoto", "grocery list milk eggs")
        #expect(related > 0.5)
        #expect(related > unrelated)
    }

    @Test("mixed scripts: words and n-grams both count")
    func mixed() {
        #expect(cosine("Swiftで書く", "Swiftで書く") > 0.999)
        #expect(cosine("Swift 言語", "swift") > 0)
    }

    @Test("fifty episode summaries embed quickly")
    func speed() {
        let summaries = (0..<50).map { "Episode \($0): we talked about Kyoto, 京都旅行の計画, and the budget for the trip." }
        let clock = ContinuousClock()
        let elapsed = clock.measure {
            for summary in summaries { _ = LocalEmbedder.embed(summary) }
        }
        // Well under 1 ms in release builds; debug builds are allowed a generous margin.
        #expect(elapsed < .milliseconds(50))
    }
}
