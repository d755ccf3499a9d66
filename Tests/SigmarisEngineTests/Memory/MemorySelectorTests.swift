import Testing
@testable import SigmarisEngine

@Suite("Memory selection record (2.6)")
struct MemorySelectorTests {

    @Test("no recalled pointers: request_preview, initial_pointer_count, info")
    func noPointers() {
        let selection = MemorySelector.select(message: "hi", recalled: [], episodes: [], embeddings: EmbeddingMemo())
        #expect(selection.raw.serialized()
            == #"{"request_preview":"hi","initial_pointer_count":0,"info":"no memory pointers selected by SelectiveRecall"}"#)
        #expect(selection.pointers.isEmpty)
        #expect(selection.mergedSummary == nil)
    }

    @Test("pointers merged: ambiguity then merge records, final pointers are the used ones")
    func merged() {
        let episodes = [Fixtures.episode("a", "Alpha"), Fixtures.episode("b", "Beta")]
        let recalled = [Fixtures.pointer("a", 0.9, "Alpha"), Fixtures.pointer("b", 0.5, "Beta")]
        let selection = MemorySelector.select(message: "hello", recalled: recalled, episodes: episodes, embeddings: EmbeddingMemo())
        #expect(selection.raw.objectValue?.keys == ["request_preview", "initial_pointer_count", "ambiguity", "merge"])
        #expect(selection.raw["ambiguity"]?.objectValue?.keys == ["reason", "resolved_count", "discarded_count", "notes"])
        #expect(selection.raw["merge"]?.objectValue?.keys == ["notes", "raw_segments_count", "used_pointers_count"])
        #expect(selection.raw["merge"]?["raw_segments_count"]?.intValue == 2)
        #expect(selection.mergedSummary == "【関連する過去文脈】\n[1] Alpha\n[2] Beta")
        #expect(selection.pointers.map(\.episodeID) == ["a", "b"])
        #expect(selection.initialPointerCount == 2)
    }

    @Test("ambiguity leaves nothing: info says so, no merge record")
    func ambiguityEmptiesEverything() {
        let memo = EmbeddingMemo(vectors: ["それ": [1, 0], "Alpha": [0, 1]])
        let selection = MemorySelector.select(
            message: "それ", recalled: [Fixtures.pointer("a", 0.9, "Alpha")], episodes: [Fixtures.episode("a", "Alpha")], embeddings: memo
        )
        #expect(selection.raw.objectValue?.keys == ["request_preview", "initial_pointer_count", "ambiguity", "info"])
        #expect(selection.raw["info"]?.stringValue == "ambiguity resolved but no relevant memory left")
        #expect(selection.raw["ambiguity"]?["discarded_count"]?.intValue == 1)
        #expect(selection.pointers.isEmpty)
    }

    @Test("a question about the past adds memory_search after initial_pointer_count, pointers unchanged")
    func memorySearch() {
        let episodes = [
            Fixtures.episode("a", "We discussed Kyoto travel plans.", embedding: [1, 0], raw: "Let's plan Kyoto\nmore"),
            Fixtures.episode("b", "Unrelated", embedding: [0, 1]),
        ]
        let memo = EmbeddingMemo(vectors: ["Do you remember our trip?": [1, 0]])
        let selection = MemorySelector.select(
            message: "Do you remember our trip?", recalled: [], episodes: episodes, embeddings: memo
        )
        #expect(selection.raw.objectValue?.keys == ["request_preview", "initial_pointer_count", "memory_search", "info"])
        #expect(selection.raw["memory_search"]
            == ["hit_count": 1, "topic_label": "Let's plan Kyoto", "preview": "We discussed Kyoto travel plans.", "engine": "recent_episodes"])
        #expect(selection.pointers.isEmpty)
    }
}
