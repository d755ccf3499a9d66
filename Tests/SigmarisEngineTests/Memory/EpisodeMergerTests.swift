import Testing
@testable import SigmarisEngine

@Suite("Episode merge (2.4)")
struct EpisodeMergerTests {

    @Test("merged summary format: header, then [k] segment lines")
    func format() {
        let episodes = [
            Fixtures.episode("p1", "  Summary one  "),
            Fixtures.episode("p2", "   ", raw: " raw two "),
            Fixtures.episode("p4", String(repeating: "x", count: 250)),
        ]
        let pointers = ["p1", "p2", "p3-missing", "p4"].map { Fixtures.pointer($0, 0.5, "") }
        let result = EpisodeMerger.merge(message: "m", pointers: pointers, episodes: episodes)
        let expected = "【関連する過去文脈】\n[1] Summary one\n[2] raw two\n[3] " + String(repeating: "x", count: 200)
        #expect(result.summary == expected)
        #expect(result.rawSegments.count == 3)
        #expect(result.usedPointers.count == 4)
    }

    @Test("Japanese segments are cut at 200 scalars")
    func japaneseCut() {
        let text = String(repeating: "過", count: 201)
        let result = EpisodeMerger.merge(
            message: "m", pointers: [Fixtures.pointer("j", 1, "")], episodes: [Fixtures.episode("j", text)]
        )
        #expect(result.summary == "【関連する過去文脈】\n[1] " + String(repeating: "過", count: 200))
    }

    @Test("at most five pointers are used")
    func maxFive() {
        let episodes = (1...6).map { Fixtures.episode("e\($0)", "s\($0)") }
        let pointers = (1...6).map { Fixtures.pointer("e\($0)", 1, "") }
        let result = EpisodeMerger.merge(message: "m", pointers: pointers, episodes: episodes)
        #expect(result.usedPointers.map(\.episodeID) == ["e1", "e2", "e3", "e4", "e5"])
        #expect(result.summary?.hasSuffix("[5] s5") == true)
    }

    @Test("no text anywhere: no summary, but the pointers are still used")
    func noSegments() {
        let result = EpisodeMerger.merge(
            message: "m", pointers: [Fixtures.pointer("gone", 1, "")], episodes: [Fixtures.episode("other", "x")]
        )
        #expect(result.summary == nil)
        #expect(result.usedPointers.map(\.episodeID) == ["gone"])
        #expect(result.notes["info"]?.stringValue == "no summary/raw_context extracted")
    }
}

@Suite("Episode merge without pointers")
struct EpisodeMergerEmptyTests {
    @Test("no pointers: no summary, nothing used")
    func empty() {
        let result = EpisodeMerger.merge(message: "m", pointers: [], episodes: [])
        #expect(result.summary == nil)
        #expect(result.usedPointers.isEmpty)
        #expect(result.notes["info"]?.stringValue == "no memory pointers provided")
    }
}
