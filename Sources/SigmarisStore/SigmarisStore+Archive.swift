import SigmarisPostgres
import SigmarisEngine

extension SigmarisStore {
    /// Which archive search this database allows (hybrid, full text or none), read from its catalog
    /// once and kept: the server logs it at start and `/readyz` shows it.
    public func archiveSearchPath() async throws -> ArchiveSearchPath {
        try await archivePaths.path {
            try await database.withConnection(replay: .whenConnectionBreaks) { connection in
                try ArchiveSearchPath.detect(on: connection)
            }
        }
    }

    /// The user's episodes that best match `text` (full text) and, when pgvector indexes its
    /// dimension, `embedding`, best first, at most `limit`, leaving out the episodes in `excluding`
    /// (recall passes its window's ids; the memories route none). Empty when the
    /// database has no search for the request (`archiveSearchPath()` is `.none`, or no text and no
    /// usable embedding). Reads only `userID`'s rows, as the service's role.
    public func searchMemories(
        userID: String, text: String, embedding: [Float]?, limit: Int, excluding: [String] = []
    ) async throws -> [ScoredMemory] {
        let search = ArchiveSearch(path: try await archiveSearchPath())
        guard limit > 0, search.query(text: text, embedding: embedding) != nil else { return [] }
        let run: @Sendable (PostgresConnection) throws -> [ScoredMemory] = { connection in
            try search.search(
                userID: userID, text: text, embedding: embedding, limit: limit, excluding: excluding,
                on: connection)
        }
        // The hybrid query needs a transaction for the settings that tune the HNSW scan (sent in its
        // BEGIN: no round trip of their own); the full text query is one statement. Reads only, so
        // replayed when the connection breaks.
        if case .hybrid? = search.query(text: text, embedding: embedding) {
            return try await database.withTransaction(settings: ArchiveSearch.vectorScanSettings, run)
        }
        return try await database.withConnection(replay: .whenConnectionBreaks, run)
    }
}
