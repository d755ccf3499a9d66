import Foundation
import SigmarisEngine

/// One episode an archive search found (`SigmarisStore.searchMemories`), with how close it is to
/// what was searched for.
public struct ScoredMemory: Sendable, Equatable {
    public var episodeID: String
    public var summary: String
    public var rawContext: String
    /// The episode's own time (recall orders by it) and when its row was written.
    public var timestamp: Date
    public var createdAt: Date
    /// Higher is closer: the fused rank of the searches that found it (`ArchiveSearch`: the sum of
    /// 1 / (60 + rank) over the full text and, with pgvector, the embedding search), so at most
    /// 2/61 (first in both), 1/61 for the best match of one search.
    public var score: Double
    public var emotionHint: String
    /// The stored embedding (empty when none): recall scores an archive candidate with it.
    public var embedding: [Float]

    /// The episode as recall reads it (`traits_hint` and `meta` at their defaults, as the recall
    /// window reads them).
    public var episode: Episode {
        Episode(
            episodeID: episodeID, timestamp: timestamp, summary: summary, emotionHint: emotionHint,
            rawContext: rawContext, embedding: embedding)
    }
}
