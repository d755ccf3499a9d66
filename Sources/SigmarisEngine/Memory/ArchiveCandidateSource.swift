/// Where recall's archive candidates come from (docs/engine.md §2.7, issue #23): the user's older
/// episodes closest to the message, found by a search over their whole history. The engine has no
/// I/O of its own, so the caller hands it a source (the store's search, in the server), as it hands
/// it a provider; the engine decides when to ask and scores what comes back.
///
/// The engine asks only when the recent window is full (`PersonaConstants.Turn.recentEpisodeLimit`
/// episodes): a user with fewer has no older episode, so below that nothing is asked and every
/// number stays the reference's.
public protocol ArchiveCandidateSource: Sendable {
    /// At most `limit` of the user's episodes, best first, leaving out those in `excluding` (the
    /// recall window's episode ids: recall has them already, and a candidate slot spent on one is
    /// lost). `vector` is the message's embedding, nil when it has none (a text search can still
    /// run). It does not throw: a search that failed gives no candidates, and the source reports
    /// the failure itself (recall then reads the window only, as in `window` mode).
    func candidates(message: String, vector: [Float]?, limit: Int, excluding: [String]) async -> [Episode]
}

/// An archive source and how many candidates to ask it for (`SIGMARIS_ARCHIVE_CANDIDATES`).
public struct ArchiveRecall: Sendable {
    public let source: any ArchiveCandidateSource
    public let limit: Int

    public init(source: any ArchiveCandidateSource, limit: Int) {
        self.source = source
        self.limit = limit
    }
}
