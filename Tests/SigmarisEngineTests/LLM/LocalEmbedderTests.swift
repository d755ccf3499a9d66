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

    @Test("function words are left out: they carry no meaning and made everything alike")
    func stopwords() {
        #expect(LocalEmbedder.embed("the is to of and").allSatisfy { $0 == 0 })
        #expect(cosine("The piano is to the", "piano") > 0.999)
        #expect(cosine("I'm here", "here I am") == 0)
    }

    /// Everyday messages must rarely read as a safety anchor (semantic scan threshold 0.2), or the
    /// local provider would lock ordinary conversations. Function words no longer count; what is
    /// left is a hash collision now and then in 256 dimensions (2 of these 40), which is the price of
    /// small stored vectors. A paraphrase of an anchor still reaches the threshold.
    @Test("small talk rarely reaches the semantic safety threshold")
    func smallTalkIsNotAnAnchor() {
        let smallTalk = [
            "Hello! Describe your role in one sentence.", "I'm curious about learning the piano. Do you think it is too late to start at 40?",
            "I have been thinking about my work and whether I should change jobs this year.", "Work was stressful: the deadline moved and nobody told me until this morning.",
            "My sister is visiting next week and I want to plan something nice for her.", "What did we talk about last time? Can you give me a short analysis of it?",
            "I felt tired today, but a walk in the park in the evening helped me calm down.", "I started reading a book about habits; it says small steps matter more than goals.",
            "I want to learn to cook better. What should a beginner start with?", "I slept badly again. Maybe I drink too much coffee in the afternoon.",
            "We talked about moving to another city. I am excited and a little scared.", "Can you recommend a good science fiction novel?",
            "The weather has been terrible all week, it keeps raining.", "My cat knocked a glass off the table this morning.",
            "How do I make my code review comments sound less harsh?", "I'm planning a trip to Kyoto in spring. Any tips?",
            "Why do I always procrastinate on the important tasks?", "Let's summarize what we discussed about my budget.",
            "I finally finished the marathon training plan!", "My manager asked me to lead the new project and I'm nervous.",
            "What is a healthy breakfast that takes five minutes?", "I argued with my friend yesterday and feel bad about it.",
            "Could you explain how compound interest works?", "I want to write a letter to my grandmother.",
            "Tell me a joke about programmers.", "Do you remember what I said about my sister?",
            "I think I need a new hobby. Something creative.", "The train was late again and I missed my meeting.",
            "Help me structure my thoughts about changing careers.", "I'm learning Japanese; kanji are hard but fun.",
            "Is it normal to feel lonely after moving to a new place?", "My son started school today.",
            "I'd like to build a small garden on my balcony.", "What are good questions to ask in a job interview?",
            "I can't decide between two apartments.", "Thanks, that was really helpful.",
            "Our team shipped the release on time for once.", "I want to get better at public speaking.",
            "Please give me a reason to go running tomorrow morning.", "My laptop is slow; should I buy a new one?",
        ]
        let anchors = PersonaConstants.Safety.semanticAnchors.map(\.sentence)
        let flagged = smallTalk.filter { message in
            anchors.contains { cosine(message, $0) >= PersonaConstants.Safety.semanticMinimumSimilarity }
        }
        #expect(flagged.count <= 2, "\(flagged)")
        #expect(cosine("I keep talking about killing myself and self-harm", anchors[0]) >= PersonaConstants.Safety.semanticMinimumSimilarity)
    }
}
