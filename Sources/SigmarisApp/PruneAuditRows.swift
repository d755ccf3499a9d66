import Logging
import SigmarisStore

/// `sigmaris prune`: `Retention` with a client of its own (one connection: the batches run one
/// after another, never beside each other), whose statements may run `statementTimeoutSeconds`
/// rather than the service's `DATABASE_STATEMENT_TIMEOUT`: a dry run counts whole tables, and a
/// batch on a large table takes longer than a turn's statements.
public func pruneAuditRows(
    configuration: SigmarisConfiguration, logger: Logger, request: PruneRequest,
    statementTimeoutSeconds: Int = 300,
    progress: @Sendable (PrunedTable) -> Void
) async throws -> [PrunedTable] {
    var single = configuration
    single.databasePoolSize = 1
    single.databaseStatementTimeoutSeconds = statementTimeoutSeconds
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
