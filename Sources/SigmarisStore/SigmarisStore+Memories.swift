extension SigmarisStore {
    /// The user's memories that best match `text`, best first, at most `limit`, each with its
    /// `score` (`GET /api/memories?q=`): the archive search recall uses (`searchMemories`), on the
    /// text alone, over all of the user's memories. Empty where the database has no text search
    /// (`archiveSearchPath()` is `.none`).
    public func memories(of user: StoreUser, matching text: String, limit: Int) async throws -> [StoredMemory] {
        let found = try await searchMemories(userID: user.personaUserID, text: text, embedding: nil, limit: limit)
        return try await rows(of: user).memories(found: found)
    }
}
