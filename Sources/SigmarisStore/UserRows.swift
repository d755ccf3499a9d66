import SigmarisEngine
import SigmarisJSON
import SigmarisPostgres

/// One signed-in user's rows (`messages`, `sigmaris_state_snapshots`). Every call runs in a
/// transaction that enters the user's scope (`UserScope`) before it touches them, so row-level
/// security holds as well as the explicit `user_id` filter in each statement. Deletions lock the
/// user's state row before that (`scopedDeletion`).
public struct UserRows: Sendable {
    let database: StoreDatabase
    public let user: StoreUser
    /// The store's recall cache, which the deletions here invalidate for this user.
    let recallWindows: RecallWindowCache?

    /// Runs `body` in a transaction under this user's scope.
    func scoped<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) throws -> T) async throws -> T {
        let claims = user.claimsJSON
        return try await database.withTransaction { connection in
            try UserScope.enter(claimsJSON: claims, on: connection)
            return try body(connection)
        }
    }

    /// `scoped`, for a deletion of `leaving`: the user's state row is locked first, as the service's
    /// role, so the deletion serializes with the user's turns (`TurnSerialization`); then, still as
    /// that role, the facts those chat rows hold go back into the persona rows that left them out
    /// (`ChatRowsLeaving`). `body` deletes in one statement, so a first turn (no state row yet to
    /// lock) is also seen whole or not at all. The user's recall window is dropped afterwards
    /// (`RecallWindowCache.invalidating`).
    func scopedDeletion<T: Sendable>(
        of leaving: ChatRowsLeaving, _ body: @escaping @Sendable (PostgresConnection) throws -> T
    ) async throws -> T {
        let claims = user.claimsJSON
        let personaUserID = user.personaUserID
        let userID = user.id
        return try await RecallWindowCache.invalidating(recallWindows, userID: personaUserID) {
            try await database.withTransaction { connection in
                try TurnSerialization.lock(personaUserID, on: connection)
                try leaving.restoreFacts(personaUserID: personaUserID, userID: userID, on: connection)
                try UserScope.enter(claimsJSON: claims, on: connection)
                return try body(connection)
            }
        }
    }

    // MARK: Chat rows

    /// Stores an exchange whose turn ran elsewhere (remote-core mode): both messages and the snapshot.
    public func insert(_ chat: ChatRecord, reply: String, meta: JSONValue) async throws {
        try await scoped { try Self.insert(chat, reply: reply, meta: meta, on: $0) }
    }

    /// The exchange's rows inside a transaction that is already open (the turn's own).
    static func insert(_ chat: ChatRecord, reply: String, meta: JSONValue, on connection: PostgresConnection) throws(PostgresError) {
        try UserScope.enter(claimsJSON: chat.user.claimsJSON, on: connection)
        try ChatStore.insertExchange(
            userID: chat.user.id, sessionID: chat.sessionID, message: chat.message, reply: reply,
            snapshot: StateSnapshotFields(meta: meta), on: connection)
    }

    /// `(user, ai)` pairs of one session, oldest first.
    public func pairedMessages(sessionID: String) async throws -> [MessagePair] {
        let userID = user.id
        return try await scoped { connection in
            try ChatStore.pairedMessages(userID: userID, sessionID: sessionID, on: connection)
                .map { MessagePair(user: $0.user, ai: $0.ai) }
        }
    }

    // MARK: State snapshots

    /// The newest snapshot, or nil before the first turn.
    public func latestSnapshot() async throws -> StateSnapshot? {
        let userID = user.id
        return try await scoped { try ChatStore.newestSnapshots(userID: userID, limit: 1, on: $0) }.first
    }

    /// The newest `limit` snapshots, oldest first (the order a chart plots them).
    public func timeseries(limit: Int) async throws -> [StateSnapshotPoint] {
        let userID = user.id
        return try await scoped { try ChatStore.newestSnapshots(userID: userID, limit: limit, on: $0) }
            .reversed().map(StateSnapshotPoint.init)
    }
}

/// One question and its reply; `""` where one side is missing.
public struct MessagePair: Sendable, Equatable, Codable {
    public var user: String
    public var ai: String
}
