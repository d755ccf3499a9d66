import Logging
import SigmarisStore

/// `sigmaris prune`: `Retention` with a client of its own (one connection: the batches run one
/// after another, never beside each other).
public func pruneAuditRows(
    configuration: SigmarisConfiguration, logger: Logger, request: PruneRequest,
    progress: @Sendable (PrunedTable) -> Void
) async throws -> [PrunedTable] {
    var single = configuration
    single.databasePoolSize = 1
    let database = try makeDatabaseClient(configuration: single, logger: logger)
    do {
        let report = try await Retention(database: database).prune(request, progress: progress)
        await database.shutdown()
        return report
    } catch {
        await database.shutdown()
        throw error
    }
}
