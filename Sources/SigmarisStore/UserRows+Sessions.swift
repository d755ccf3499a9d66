import SigmarisPostgres

/// One conversation of the user as the session list shows it.
public struct SessionSummary: Sendable, Equatable {
    public var id: String
    /// The title set by a rename, nil when none was.
    public var title: String?
    /// The first 60 characters of the newest message.
    public var lastMessage: String
    /// The newest message's `created_at`, ISO 8601 in UTC.
    public var updatedAt: String
    public var messageCount: Int
}

/// The session API (`/api/sessions`): a session is the set of the user's `messages` rows sharing a
/// `session_id`; its title lives in `session_title` on every row of the session.
extension UserRows {
    /// Every session of the user, newest activity first, in one statement: an index-only aggregate
    /// over `messages_user_session_created_idx` per session, and for each session one backward step
    /// on the same index for the newest row (its content and title).
    public func sessions() async throws -> [SessionSummary] {
        let userID = user.id
        return try await scoped { connection in
            let rows = try connection.query(Self.sessionListSQL, [.uuid(userID)])
            return try rows.map { row throws(PostgresError) in
                SessionSummary(
                    id: try row.decode(String.self, "session_id"),
                    title: try row.decode(String?.self, "session_title"),
                    lastMessage: try row.decode(String.self, "last_message"),
                    updatedAt: try row.decode(String.self, "updated_at"),
                    messageCount: try row.decode(Int.self, "message_count"))
            }
        }
    }

    /// `$1` the user id. Kept apart so the EXPLAIN test plans exactly this statement.
    static let sessionListSQL = """
        SELECT s.session_id, s.message_count, \(ISOTimestampSQL.of("s.updated_at")) AS updated_at,
               newest.session_title, left(newest.content, 60) AS last_message
        FROM (
            SELECT session_id, count(*)::int AS message_count, max(created_at) AS updated_at
            FROM public.messages WHERE user_id = $1 GROUP BY session_id
        ) s
        CROSS JOIN LATERAL (
            SELECT m.session_title, m.content FROM public.messages m
            WHERE m.user_id = $1 AND m.session_id = s.session_id
            ORDER BY m.created_at DESC, m.id DESC LIMIT 1
        ) newest
        ORDER BY s.updated_at DESC, s.session_id
        """

    /// Sets the title on every row of the session; false when the user has no message in it.
    ///
    /// The newest row is locked first, in a statement of its own: a turn writing into the session
    /// holds it `FOR SHARE` while it copies the title, so the UPDATE (with a snapshot taken after
    /// that turn committed) also covers the rows that turn wrote.
    public func renameSession(_ sessionID: String, to title: String) async throws -> Bool {
        let userID = user.id
        return try await scoped { connection in
            let newest = try connection.query(
                """
                SELECT id FROM public.messages WHERE user_id = $1 AND session_id = $2
                ORDER BY created_at DESC, id DESC LIMIT 1 FOR UPDATE
                """,
                [.uuid(userID), .text(sessionID)])
            guard !newest.isEmpty else { return false }
            try connection.query(
                "UPDATE public.messages SET session_title = $3 WHERE user_id = $1 AND session_id = $2",
                [.uuid(userID), .text(sessionID), .text(title)])
            return true
        }
    }

    /// Deletes the session's messages and state snapshots together, in one statement (one snapshot,
    /// so an exchange committing meanwhile goes whole or stays whole) after the user's state row is
    /// locked (`scopedDeletion`), then, as the service's own role, the memories born in the session
    /// (`deleteSessionMemories`, which tells every instance's recall cache); nil when the user has no
    /// message in it (and nothing is deleted).
    ///
    /// The memories go in a second statement (the user's role cannot touch them): with the state row
    /// locked no turn of the user commits between the two. Only a user with messages but no state
    /// row (exchanges stored without a turn here, remote-core mode) has nothing to lock; a first turn
    /// of theirs committing just between the two would keep its messages and lose its memory.
    public func deleteSession(_ sessionID: String) async throws -> DeletedSession? {
        let userID = user.id
        let personaUserID = user.personaUserID
        return try await scopedDeletion(of: .session(sessionID: sessionID)) { connection -> DeletedSession? in
            let counts = try connection.query(Self.deleteSessionSQL, [.uuid(userID), .text(sessionID)])[0]
            let messages = try counts.decode(Int.self, "messages")
            guard messages > 0 else { return nil }
            let snapshots = try counts.decode(Int.self, "snapshots")
            try UserScope.leave(on: connection)
            let memories = try Self.deleteSessionMemories(personaUserID: personaUserID, sessionID: sessionID, on: connection)
            return (messages, snapshots, memories)
        }
    }

    /// How many rows of each kind a session deletion removed.
    public typealias DeletedSession = (messages: Int, snapshots: Int, memories: Int)

    /// `$1` the user id, `$2` the session id. A session is its messages: without any, its snapshots
    /// stay (nothing of it is deleted).
    static let deleteSessionSQL = """
        WITH messages AS (
            DELETE FROM public.messages WHERE user_id = $1 AND session_id = $2 RETURNING 1
        ), snapshots AS (
            DELETE FROM public.sigmaris_state_snapshots
            WHERE user_id = $1 AND session_id = $2 AND EXISTS (SELECT 1 FROM messages)
            RETURNING 1
        )
        SELECT (SELECT count(*) FROM messages)::int AS messages, (SELECT count(*) FROM snapshots)::int AS snapshots
        """
}
