import Foundation
import SigmarisPostgres

extension SigmarisStore {
    /// Applies the pending SQL files of `directory` in order (`MigrationRunner`: each file in its own
    /// transaction, one migrating instance at a time); returns the names of the files applied.
    @discardableResult
    public func applyMigrations(from directory: URL) async throws -> [String] {
        try await StoreError.translatingDatabaseErrors {
            let migrations = try Migration.load(from: directory)
            return try await MigrationRunner(client: database.client, logger: logger).migrate(migrations)
        }
    }
}
