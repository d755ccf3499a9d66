import Foundation
import SigmarisJSON

/// One remembered exchange (docs/engine.md §2.1): what recall searches and merge quotes.
///
/// `embedding` is empty when none is stored; recall then embeds the summary on the fly.
public struct Episode: Sendable, Equatable {
    public var episodeID: String
    public var timestamp: Date
    public var summary: String
    public var emotionHint: String
    /// Always an object; `{}` for episodes the engine stores.
    public var traitsHint: JSONValue
    public var rawContext: String
    public var embedding: [Float]
    /// Free-form bookkeeping stored next to the episode (trace id, session id).
    public var meta: JSONValue

    public init(
        episodeID: String,
        timestamp: Date,
        summary: String,
        emotionHint: String = PersonaConstants.EpisodeStorage.emotionHint,
        traitsHint: JSONValue = .object(JSONObject()),
        rawContext: String = "",
        embedding: [Float] = [],
        meta: JSONValue = .object(JSONObject())
    ) {
        self.episodeID = episodeID
        self.timestamp = timestamp
        self.summary = summary
        self.emotionHint = emotionHint
        self.traitsHint = traitsHint
        self.rawContext = rawContext
        self.embedding = embedding
        self.meta = meta
    }
}
