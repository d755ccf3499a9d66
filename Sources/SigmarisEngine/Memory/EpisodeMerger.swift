import SigmarisJSON

/// The outcome of docs/engine.md §2.4.
public struct EpisodeMergeResult: Sendable, Equatable {
    /// `【関連する過去文脈】\n[1] ...`, or nil when no episode had text.
    public var summary: String?
    public var usedPointers: [MemoryPointer]
    public var rawSegments: [String]
    public var notes: JSONValue
}

/// docs/engine.md §2.4: turns the final pointers into one "related past context" block for the prompt.
public enum EpisodeMerger {

    public static func merge(message: String, pointers: [MemoryPointer], episodes: [Episode]) -> EpisodeMergeResult {
        let rules = PersonaConstants.Merge.self
        let preview = TextRules.prefix(message, PersonaConstants.Turn.snapshotPreviewLength)
        guard !pointers.isEmpty else {
            return EpisodeMergeResult(
                summary: nil, usedPointers: [], rawSegments: [],
                notes: ["info": .string(rules.noPointersInfo), "request_preview": .string(preview)]
            )
        }
        let limited = Array(pointers.prefix(rules.maxSegments))
        let segments = segments(for: limited, episodes: episodes)

        guard !segments.isEmpty else {
            return EpisodeMergeResult(
                summary: nil, usedPointers: limited, rawSegments: [],
                notes: ["info": .string(rules.noSegmentsInfo), "request_preview": .string(preview), "pointer_count": .number(limited.count)]
            )
        }
        let lines = segments.enumerated().map { rules.segmentPrefix($0.offset + 1) + $0.element }
        return EpisodeMergeResult(
            summary: rules.header + "\n" + lines.joined(separator: "\n"),
            usedPointers: limited,
            rawSegments: segments,
            notes: [
                "episode_count": .number(limited.count),
                "used_episode_ids": .strings(limited.map(\.episodeID)),
                "request_preview": .string(preview),
                "segment_preview": .strings(Array(segments.prefix(rules.segmentPreviewCount))),
                "max_segments": .number(rules.maxSegments),
                "max_chars_per_segment": .number(rules.maxCharactersPerSegment),
            ]
        )
    }

    /// One segment per pointer (in pointer order) whose episode has text: the trimmed summary,
    /// else the trimmed raw context, cut to 200 characters.
    static func segments(for pointers: [MemoryPointer], episodes: [Episode]) -> [String] {
        var textByID: [String: String] = [:]
        let wanted = Set(pointers.map(\.episodeID))
        for episode in episodes where !episode.episodeID.isEmpty && wanted.contains(episode.episodeID) {
            textByID[episode.episodeID] = text(of: episode)
        }
        return pointers.compactMap { pointer in
            guard let text = textByID[pointer.episodeID], !text.isEmpty else { return nil }
            return TextRules.prefix(text, PersonaConstants.Merge.maxCharactersPerSegment)
        }
    }

    static func text(of episode: Episode) -> String {
        let summary = TextRules.strip(episode.summary)
        if !summary.isEmpty { return summary }
        return TextRules.strip(episode.rawContext)
    }
}
