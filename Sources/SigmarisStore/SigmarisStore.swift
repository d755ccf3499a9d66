import SigmarisEngine
import SigmarisPostgres

/// The data-access layer's entry point: every database call of the service goes through here, so no
/// HTTP handler holds a connection, opens a transaction or can forget a user's RLS scope.
///
/// Persona turns run as the service's own role (the persona core tables are not the user's to write);
/// a signed-in user's own rows are reached through `rows(of:)`, where every call runs under that
/// user's scope.
public struct SigmarisStore: Sendable {
    let database: PostgresClient

    public init(database: PostgresClient) {
        self.database = database
    }

    /// The rows a signed-in user may see and change, each call in its own scoped transaction.
    public func rows(of user: StoreUser) -> UserRows {
        UserRows(database: database, user: user)
    }

    /// True when the database answers (for `/readyz`).
    public func isReachable() async -> Bool {
        await database.isReachable()
    }

    // MARK: Persona turns

    /// What a turn starts from: the user's persisted state and recent episodes.
    public func loadMemory(userID: String) async throws -> PersonaMemory {
        // Reads only: safe to run again if a restart breaks the connection under them.
        try await database.withConnection(replay: .whenConnectionBreaks) { try PersonaStateStore.load(userID: userID, on: $0) }
    }

    /// Writes everything a turn produced, and the exchange's chat rows when given, in one transaction
    /// that commits only if the user's `turn_count` is still `previousTurnCount` and their
    /// `control_version` still `controlVersion` (`StoreError.turnConflict` otherwise, and nothing is
    /// written). The persona rows leave out what the chat rows hold (`TurnFactsInChatRows`).
    public func commitTurn(
        _ turn: TurnResult, userID: String, previousTurnCount: Int, controlVersion: Int, tracing: Bool, chat: ChatRecord?
    ) async throws {
        let shared = TurnFactsInChatRows(turn, userID: userID, chat: chat)
        try await database.withTransaction { connection in
            try PersonaStateStore.commit(
                turn, userID: userID, previousTurnCount: previousTurnCount, controlVersion: controlVersion,
                tracing: tracing, factsInChatRows: shared, on: connection)
            if let chat {
                try UserRows.insert(chat, reply: turn.reply, meta: turn.meta, on: connection)
            }
        }
    }
}
