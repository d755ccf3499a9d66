import SigmarisJSON

/// The memory part of a turn: the final pointers, the merged summary and the raw record (docs/engine.md §2.6).
public struct MemorySelection: Sendable, Equatable {
    public var pointers: [MemoryPointer]
    public var mergedSummary: String?
    /// Pointer count after selective recall, before ambiguity resolution.
    public var initialPointerCount: Int
    public var ambiguity: AmbiguityResolution?
    public var merge: EpisodeMergeResult?
    public var memorySearch: MemorySearchResult?
    /// The `memory` meta object, keys in the spec's order.
    public var raw: JSONValue
}

/// docs/engine.md §2.3, §2.4 and §2.6 after recall: ambiguity, merge, the optional past search, and the record.
public enum MemorySelector {

    /// - Parameters:
    ///   - recalled: the pointers from `SelectiveRecall.recall`.
    ///   - archive: the archive candidates recall was given (§2.7): merge quotes them too; the
    ///     past-question search reads the recent window only, as in the reference.
    ///   - embeddings: must hold the recall vectors and `AmbiguityResolver.textsToEmbed`'s.
    public static func select(
        message: String,
        recalled: [MemoryPointer],
        episodes: [Episode],
        archive: [Episode] = [],
        embeddings: EmbeddingMemo
    ) -> MemorySelection {
        var raw: JSONObject = [
            "request_preview": .string(TextRules.prefix(message, PersonaConstants.Turn.requestPreviewLength)),
            "initial_pointer_count": .number(recalled.count),
        ]
        var selection = MemorySelection(
            pointers: [], mergedSummary: nil, initialPointerCount: recalled.count,
            ambiguity: nil, merge: nil, memorySearch: nil, raw: .null
        )

        if RecentEpisodeSearch.isPastQuestion(message) {
            let search = RecentEpisodeSearch.search(message: message, episodes: episodes, embeddings: embeddings)
            selection.memorySearch = search
            raw["memory_search"] = search.json
        }

        guard !recalled.isEmpty else {
            raw["info"] = .string(PersonaConstants.MemoryRecord.infoNoPointers)
            selection.raw = .object(raw)
            return selection
        }

        let ambiguity = AmbiguityResolver.resolve(message: message, pointers: recalled, embeddings: embeddings)
        selection.ambiguity = ambiguity
        raw["ambiguity"] = [
            "reason": .string(ambiguity.reason),
            "resolved_count": .number(ambiguity.resolved.count),
            "discarded_count": .number(ambiguity.discarded.count),
            "notes": ambiguity.notes,
        ]
        guard !ambiguity.resolved.isEmpty else {
            raw["info"] = .string(PersonaConstants.MemoryRecord.infoNoneLeft)
            selection.raw = .object(raw)
            return selection
        }

        let merge = EpisodeMerger.merge(
            message: message, pointers: ambiguity.resolved, episodes: archive.isEmpty ? episodes : episodes + archive)
        selection.merge = merge
        raw["merge"] = [
            "notes": merge.notes,
            "raw_segments_count": .number(merge.rawSegments.count),
            "used_pointers_count": .number(merge.usedPointers.count),
        ]
        selection.pointers = merge.usedPointers
        selection.mergedSummary = merge.summary
        selection.raw = .object(raw)
        return selection
    }
}
