import SigmarisPostgres

/// The store's boundary for errors: the one place where the adapter's `PostgresError` becomes a
/// `StoreError`. `StoreDatabase` runs every call of the store through `translatingDatabaseErrors`.
extension StoreError {
    /// The same split `PostgresError.isUnavailable` makes (what is the database's fault and may pass,
    /// what is the service's), with the passing kinds told apart for the logs.
    init(_ error: PostgresError) {
        let cause = error.description
        guard error.isUnavailable else {
            self = .failed(cause: cause)
            return
        }
        switch (error.code, error.sqlState) {
        case (.statementTimedOut, _), (.queryFailed, "57014"), (.queryFailed, "55P03"):
            // 57014: cancelled by `statement_timeout`; 55P03: `lock_timeout`.
            self = .timedOut(cause: cause)
        case (.queryFailed, "40P01"), (.queryFailed, "40001"):
            self = .conflict(cause: cause)
        default:
            self = .unavailable(cause: cause)
        }
    }

    /// Runs `work`, translating a `PostgresError` it throws; every other error (`StoreError`s of
    /// the store's own, `CancellationError`) passes unchanged.
    static func translatingDatabaseErrors<T>(_ work: () async throws -> T) async throws -> T {
        do {
            return try await work()
        } catch let error as PostgresError {
            throw StoreError(error)
        }
    }
}
