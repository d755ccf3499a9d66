import SigmarisPostgres

/// The store's only way to the database: the pool, with every failure it reports translated into a
/// `StoreError` as it leaves (`StoreError.init(_:)`). The methods are the pool's own, so the store's
/// statements read the same; the pool stays reachable (`client`) for the store's own tests.
struct StoreDatabase: Sendable {
    let client: PostgresClient

    /// `PostgresClient.withConnection`.
    func withConnection<T: Sendable>(
        replay: PostgresClient.Replay = .ifNothingRan,
        _ body: @escaping @Sendable (PostgresConnection) throws -> T
    ) async throws -> T {
        try await StoreError.translatingDatabaseErrors { try await client.withConnection(replay: replay, body) }
    }

    /// `PostgresClient.withTransaction`.
    func withTransaction<T: Sendable>(
        settings: [TransactionSetting] = [], _ body: @escaping @Sendable (PostgresConnection) throws -> T
    ) async throws -> T {
        try await StoreError.translatingDatabaseErrors { try await client.withTransaction(settings: settings, body) }
    }

    /// `PostgresClient.query`.
    @discardableResult
    func query(_ sql: String, _ parameters: [PostgresValue] = []) async throws -> PostgresRows {
        try await StoreError.translatingDatabaseErrors { try await client.query(sql, parameters) }
    }

    func isReachable() async -> Bool {
        await client.isReachable()
    }
}
