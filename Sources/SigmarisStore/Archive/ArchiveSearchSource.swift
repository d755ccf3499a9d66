import Logging
import SigmarisEngine

/// Recall's archive candidates (docs/engine.md §2.7) from the store's search, for one user's turn:
/// what the engine is handed as its `ArchiveCandidateSource` (the turn runner, `make bench-memory`).
///
/// A search that fails costs the turn its archive candidates, not the turn: it is logged (with the
/// turn's logger, so with its trace id) and recall reads the window only. A database that is really
/// down fails the turn's commit right after anyway, with the usual 503.
public struct ArchiveSearchSource: ArchiveCandidateSource {
    let store: SigmarisStore
    let userID: String
    let logger: Logger

    public init(store: SigmarisStore, userID: String, logger: Logger) {
        self.store = store
        self.userID = userID
        self.logger = logger
    }

    public func candidates(message: String, vector: [Float]?, limit: Int, excluding: [String]) async -> [Episode] {
        do {
            return try await store.searchMemories(
                userID: userID, text: message, embedding: vector, limit: limit, excluding: excluding
            ).map(\.episode)
        } catch is CancellationError {
            return []
        } catch {
            logger.warning("archive search failed; recalling from the recent window only", metadata: ["error": "\(error)"])
            return []
        }
    }
}
