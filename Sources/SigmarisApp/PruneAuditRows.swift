import Logging
import SigmarisStore

/// `sigmaris prune`: `Retention` with a store of its own (one connection: the batches run one
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
    // A command's store: it serves no turns, so it keeps no recall windows.
    single.recallCacheMegabytes = 0
    let store = try makeStore(configuration: single, logger: logger)
    do {
        let report = try await store.prune(request, progress: progress)
        await store.shutdown()
        return report
    } catch {
        await store.shutdown()
        throw error
    }
}
