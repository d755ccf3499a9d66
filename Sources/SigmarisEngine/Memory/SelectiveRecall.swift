/// docs/engine.md §2.2: picks the past episodes most similar to the message, with a small bonus for recency.
public enum SelectiveRecall {

    /// Texts recall needs embedded: the message and the summaries of episodes without a stored embedding.
    public static func textsToEmbed(message: String, episodes: [Episode]) -> [String] {
        [message] + episodes.filter { $0.embedding.isEmpty }.map(\.summary)
    }

    /// - Parameters:
    ///   - message: the raw message (embedded as is, like the reference).
    ///   - episodes: newest first, at most 50.
    ///   - archive: older episodes found by the archive search (§2.7), best first; scored by
    ///     similarity alone (their recency term is 0) and ranked after the window on equal scores.
    ///     Empty: exactly the reference's recall.
    ///   - embeddings: must already hold the vectors of `textsToEmbed` (for the archive's too);
    ///     missing ones score 0.
    public static func recall(
        message: String, episodes: [Episode], archive: [Episode] = [], embeddings: EmbeddingMemo
    ) -> [MemoryPointer] {
        let query = embeddings.vector(for: message)
        let total = episodes.isEmpty ? 1 : episodes.count
        var candidates: [MemoryPointer] = []
        candidates.reserveCapacity(episodes.count)

        for (index, episode) in episodes.enumerated() {
            var score = similarity(query: query, episode: episode, embeddings: embeddings)
            // The reference computes the factor first, then weights it; same order here.
            let recencyFactor = Double(total - index) / Double(total)
            score += PersonaConstants.Recall.recencyWeight * recencyFactor
            guard !episode.episodeID.isEmpty else { continue }
            let pointer = MemoryPointer(
                episodeID: episode.episodeID,
                score: score,
                summary: TextRules.prefix(episode.summary, PersonaConstants.Recall.pointerSummaryLength)
            )
            candidates.append(pointer)
        }
        // §2.7: older than every episode of the window, so below its smallest recency term (1/50).
        let windowIDs = Set(episodes.map(\.episodeID))
        for episode in archive where !episode.episodeID.isEmpty && !windowIDs.contains(episode.episodeID) {
            candidates.append(MemoryPointer(
                episodeID: episode.episodeID,
                source: PersonaConstants.Recall.archivePointerSource,
                score: similarity(query: query, episode: episode, embeddings: embeddings),
                summary: TextRules.prefix(episode.summary, PersonaConstants.Recall.pointerSummaryLength)))
        }

        return rank(candidates)
    }

    /// Sorts by score, descending and stable (ties keep their given newest-first order), keeps
    /// scores >= 0.12 and takes the top 5.
    public static func rank(_ pointers: [MemoryPointer]) -> [MemoryPointer] {
        let ordered = pointers.enumerated().sorted { lhs, rhs in
            lhs.element.score != rhs.element.score ? lhs.element.score > rhs.element.score : lhs.offset < rhs.offset
        }
        return ordered
            .lazy
            .map(\.element)
            .filter { $0.score >= PersonaConstants.Recall.minimumScore }
            .prefix(PersonaConstants.Recall.topK)
            .map { $0 }
    }

    /// Plain cosine between the message and an episode: the stored embedding when there is one,
    /// else the embedded summary; 0 when either vector is unavailable.
    static func similarity(query: [Float]?, episode: Episode, embeddings: EmbeddingMemo) -> Double {
        guard let query else { return 0 }
        let vector = episode.embedding.isEmpty ? embeddings.vector(for: episode.summary) : episode.embedding
        guard let vector else { return 0 }
        return VectorSimilarity.cosine(query, vector)
    }
}
