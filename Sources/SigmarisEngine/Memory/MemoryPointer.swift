import SigmarisJSON

/// A reference from the current turn to one past episode, with how relevant it looked (docs/engine.md §2.2).
public struct MemoryPointer: Sendable, Equatable {
    public var episodeID: String
    public var source: String
    public var score: Double
    /// The first 200 characters of the episode's summary.
    public var summary: String

    public init(episodeID: String, source: String = PersonaConstants.Recall.pointerSource, score: Double, summary: String) {
        self.episodeID = episodeID
        self.source = source
        self.score = score
        self.summary = summary
    }

    public var json: JSONValue {
        ["episode_id": .string(episodeID), "source": .string(source), "score": .number(score), "summary": .string(summary)]
    }
}
