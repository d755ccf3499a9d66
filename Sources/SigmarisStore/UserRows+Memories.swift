import SigmarisJSON
import SigmarisPostgres

/// One of the persona's memories of the user as `GET /api/memories` lists it: an episode
/// (`sigmaris_episodes`), which recall reads back into later turns.
public struct StoredMemory: Sendable, Equatable {
    /// The episode id.
    public var id: String
    public var summary: String
    /// The user's message of the turn that made it.
    public var rawContext: String
    /// The session the turn ran in; nil for an episode stored before sql/0016 whose session could
    /// not be told from its rows.
    public var sessionID: String?
    /// The episode's `timestamp` (when its turn ran), ISO 8601 in UTC: what recall orders by.
    public var createdAt: String
    /// The search's relevance, only when the list answers a search.
    public var score: Double?

    public init(id: String, summary: String, rawContext: String, sessionID: String?, createdAt: String, score: Double? = nil) {
        self.id = id
        self.summary = summary
        self.rawContext = rawContext
        self.sessionID = sessionID
        self.createdAt = createdAt
        self.score = score
    }
}

/// The user's memories: list and delete. Episodes belong to the persona core tables, which the user's
/// role (`UserScope`) cannot read or write, so these run as the service's own role, filtered by the
/// persona user id that comes only from the verified `StoreUser`.
extension UserRows {
    /// The user's newest `limit` memories, newest first: recall's own order.
    public func memories(limit: Int) async throws -> [StoredMemory] {
        let personaUserID = user.personaUserID
        // A read only: safe to run again if a restart breaks the connection under it.
        return try await database.withConnection(replay: .whenConnectionBreaks) { connection in
            try connection.query(Self.newestMemoriesSQL, [.text(personaUserID), .int(limit)]).map(Self.memory)
        }
    }

    /// `$1` the persona user id, `$2` the limit.
    static let newestMemoriesSQL = """
        SELECT episode_id, summary, raw_context, session_id, \(ISOTimestampSQL.of("\"timestamp\"")) AS created_at
        FROM public.sigmaris_episodes WHERE user_id = $1
        ORDER BY "timestamp" DESC, created_at DESC LIMIT $2
        """

    /// The memories whose rows the search found (`found`, best first): each with its session and
    /// time as the list shows them, in the search's order, with its score. One that was deleted
    /// since the search is left out.
    func memories(found: [ScoredMemory]) async throws -> [StoredMemory] {
        guard !found.isEmpty else { return [] }
        let personaUserID = user.personaUserID
        let ids = JSONValue.strings(found.map(\.episodeID)).serialized()
        let rows = try await database.withConnection(replay: .whenConnectionBreaks) { connection in
            try connection.query(Self.foundMemoriesSQL, [.text(personaUserID), .jsonb(ids)]).map(Self.memory)
        }
        let byID = Dictionary(rows.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        return found.compactMap { hit in
            byID[hit.episodeID].map { memory in
                var scored = memory
                scored.score = hit.score
                return scored
            }
        }
    }

    /// `$1` the persona user id, `$2` the episode ids (a JSON array of strings).
    static let foundMemoriesSQL = """
        SELECT episode_id, summary, raw_context, session_id, \(ISOTimestampSQL.of("\"timestamp\"")) AS created_at
        FROM public.sigmaris_episodes
        WHERE user_id = $1 AND episode_id IN (SELECT jsonb_array_elements_text($2::jsonb))
        """

    static func memory(_ row: PostgresRow) throws(PostgresError) -> StoredMemory {
        StoredMemory(
            id: try row.decode(String.self, "episode_id"),
            summary: try row.decode(String.self, "summary"),
            rawContext: try row.decode(String.self, "raw_context"),
            sessionID: try row.decode(String?.self, "session_id"),
            createdAt: try row.decode(String.self, "created_at"))
    }

    /// Deletes one memory of the user; false when the user has none of that id (another user's
    /// looks exactly like a missing one, and nothing is deleted).
    ///
    /// It serializes with the user's turns as every deletion does (`TurnSerialization`: the state
    /// row first), and moves the user's `control_version` in the same statement, which is what tells
    /// every instance's recall cache that the window changed (`RecallWindowStamp`) and makes a turn
    /// that read the memory before the delete recompute without it rather than commit. This
    /// process's window is dropped as well (`RecallWindowCache.invalidating`).
    public func deleteMemory(_ id: String) async throws -> Bool {
        let personaUserID = user.personaUserID
        return try await RecallWindowCache.invalidating(recallWindows, userID: personaUserID) {
            try await database.withTransaction { connection in
                try TurnSerialization.lock(personaUserID, on: connection)
                let deleted = try connection.query(Self.deleteMemorySQL, [.text(personaUserID), .text(id)])
                return try deleted[0].decode(Int.self, "deleted") > 0
            }
        }
    }

    /// `$1` the persona user id, `$2` the episode id.
    static let deleteMemorySQL = forgetting("DELETE FROM public.sigmaris_episodes WHERE user_id = $1 AND episode_id = $2")

    /// Deletes the memories born in a session, inside the session deletion's transaction and after
    /// its lock (`deleteSession`), as the service's own role; answers how many.
    static func deleteSessionMemories(
        personaUserID: String, sessionID: String, on connection: PostgresConnection
    ) throws(PostgresError) -> Int {
        try connection.query(deleteSessionMemoriesSQL, [.text(personaUserID), .text(sessionID)])[0].decode(Int.self, "deleted")
    }

    /// `$1` the persona user id, `$2` the session id (`sigmaris_episodes_user_session_idx`).
    static let deleteSessionMemoriesSQL = forgetting(
        "DELETE FROM public.sigmaris_episodes WHERE user_id = $1 AND session_id = $2")

    /// `delete` (a DELETE on `sigmaris_episodes` of user `$1`), with the user's `control_version`
    /// moved in the same statement when it deleted anything; answers `deleted`.
    private static func forgetting(_ delete: String) -> String {
        """
        WITH gone AS (\(delete) RETURNING 1), invalidated AS (
            UPDATE public.sigmaris_persona_state SET control_version = control_version + 1
            WHERE user_id = $1 AND EXISTS (SELECT 1 FROM gone)
        )
        SELECT count(*)::int AS deleted FROM gone
        """
    }
}
