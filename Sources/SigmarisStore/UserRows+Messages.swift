import SigmarisPostgres

/// One question and its reply with the exchange's `created_at` (ISO 8601, UTC, microseconds: the
/// value `deleteExchange` takes back).
public struct TimedMessagePair: Sendable, Equatable {
    public var user: String
    public var ai: String
    public var createdAt: String
}

/// The reference's `/api/message` route: a session's messages, and deleting a session's messages or
/// one exchange of it.
extension UserRows {
    /// `(user, ai, created_at)` for one session, oldest first; a side without its partner is `""`.
    public func timedMessagePairs(sessionID: String) async throws -> [TimedMessagePair] {
        let userID = user.id
        return try await scoped { connection in
            let rows = try connection.query(
                """
                SELECT role, content, \(ISOTimestampSQL.of("created_at")) AS created_at FROM public.messages
                WHERE user_id = $1 AND session_id = $2 ORDER BY created_at, id
                """,
                [.uuid(userID), .text(sessionID)])
            var pairs = [TimedMessagePair]()
            var waitingForReply = false
            for row in rows {
                let content = try row.decode(String.self, "content")
                let createdAt = try row.decode(String.self, "created_at")
                if try row.decode(String.self, "role") == "user" {
                    pairs.append(TimedMessagePair(user: content, ai: "", createdAt: createdAt))
                    waitingForReply = true
                } else if waitingForReply {
                    pairs[pairs.count - 1].ai = content
                    waitingForReply = false
                } else {
                    pairs.append(TimedMessagePair(user: "", ai: content, createdAt: createdAt))
                }
            }
            return pairs
        }
    }

    /// Deletes every message of the session (its snapshots stay, as in the reference); the number of
    /// rows deleted. Like every deletion, after the user's state row is locked (`scopedDeletion`).
    public func deleteMessages(sessionID: String) async throws -> Int {
        let userID = user.id
        return try await scopedDeletion(of: .messages(sessionID: sessionID)) { connection in
            try connection.query(
                "DELETE FROM public.messages WHERE user_id = $1 AND session_id = $2",
                [.uuid(userID), .text(sessionID)]).affectedRows
        }
    }

    /// Deletes the messages of one exchange (both rows share the transaction's `created_at`); the
    /// number of rows deleted. `createdAt` must already be a valid ISO 8601 timestamp.
    public func deleteExchange(sessionID: String, createdAt: String) async throws -> Int {
        let userID = user.id
        return try await scopedDeletion(of: .exchange(sessionID: sessionID, createdAt: createdAt)) { connection in
            try connection.query(
                "DELETE FROM public.messages WHERE user_id = $1 AND session_id = $2 AND created_at = $3::timestamptz",
                [.uuid(userID), .text(sessionID), .text(createdAt)]).affectedRows
        }
    }
}
