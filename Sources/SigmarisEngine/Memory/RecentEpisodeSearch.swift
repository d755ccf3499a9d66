import SigmarisJSON

/// What the past-question search found (the `memory_search` record of docs/engine.md §2.6).
public struct MemorySearchResult: Sendable, Equatable {
    public var hitCount: Int
    public var topicLabel: String?
    public var preview: String?
    public var engine: String

    public var json: JSONValue {
        [
            "hit_count": .number(hitCount),
            "topic_label": .string(orNull: topicLabel),
            "preview": .string(orNull: preview),
            "engine": .string(engine),
        ]
    }
}

/// docs/engine.md §2.6's long-term search, run only when the message asks about the past.
///
/// The engine has no I/O, so "the user's own history" is the recent episodes handed to the turn
/// (engine name "recent_episodes"). It reuses the recall vectors, so it never embeds anything, and
/// it only adds a meta record: pointers are never changed.
public enum RecentEpisodeSearch {

    public static func isPastQuestion(_ message: String) -> Bool {
        let text = TextRules.lower(TextRules.strip(message))
        guard !text.isEmpty else { return false }
        return TextRules.containsAny(text, of: PersonaConstants.MemorySearch.triggers)
    }

    /// Episodes whose plain similarity to the message reaches the threshold, best first.
    public static func search(message: String, episodes: [Episode], embeddings: EmbeddingMemo) -> MemorySearchResult {
        let rules = PersonaConstants.MemorySearch.self
        let query = embeddings.vector(for: message)
        var hits: [(episode: Episode, similarity: Double, order: Int)] = []
        for (order, episode) in episodes.enumerated() where !episode.episodeID.isEmpty {
            let similarity = SelectiveRecall.similarity(query: query, episode: episode, embeddings: embeddings)
            if similarity >= rules.minimumSimilarity {
                hits.append((episode, similarity, order))
            }
        }
        hits.sort { $0.similarity != $1.similarity ? $0.similarity > $1.similarity : $0.order < $1.order }
        hits = Array(hits.prefix(rules.maxHits))

        guard let best = hits.first?.episode else {
            return MemorySearchResult(hitCount: 0, topicLabel: nil, preview: nil, engine: rules.engineName)
        }
        // The best hit's own user message names the topic; its summary previews what was said.
        let topicSource = TextRules.strip(best.rawContext).isEmpty ? best.summary : best.rawContext
        let head = TextRules.strip(TextRules.firstLine(TextRules.strip(topicSource)))
        let preview = TextRules.strip(EpisodeMerger.text(of: best))
        return MemorySearchResult(
            hitCount: hits.count,
            topicLabel: head.isEmpty ? nil : TextRules.cutLabel(head, limit: rules.topicLabelLength),
            preview: preview.isEmpty ? nil : TextRules.cutLabel(preview, limit: rules.previewLength),
            engine: rules.engineName
        )
    }
}
