import Logging

/// Applies pending migrations in order, each in its own transaction, and records them in
/// `sigmaris_schema_migrations`. A session-level advisory lock keeps two starting servers from
/// migrating at once; the second one waits, then finds nothing to do.
public struct MigrationRunner: Sendable {
    public let client: PostgresClient
    public let logger: Logger

    /// Arbitrary constant that names the migration lock among the database's advisory locks.
    static let advisoryLockKey = 7_348_211_902

    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// Returns the names of the files applied by this call (empty when the database was up to date).
    @discardableResult
    public func migrate(_ migrations: [Migration]) async throws -> [String] {
        let logger = self.logger
        let lockTimeout = client.configuration.statementTimeout
        return try await client.withConnection { connection in
            // No statement timeout here: a migration may rewrite a large table, and a second server
            // waits on the advisory lock for as long as the first one migrates. A migration waits for
            // a table's lock at most the statement timeout, though (`lock_timeout`, set with BEGIN):
            // while its ACCESS EXCLUSIVE request waits, every turn touching that table queues behind
            // it. It then fails, and the server does not start; run it again when the load is lower.
            connection.statementTimeout = nil
            try connection.query("SELECT pg_advisory_lock($1)", [.int(Self.advisoryLockKey)])
            defer { _ = try? connection.query("SELECT pg_advisory_unlock($1)", [.int(Self.advisoryLockKey)]) }
            try connection.execute(script: """
                CREATE TABLE IF NOT EXISTS public.sigmaris_schema_migrations (
                    version integer PRIMARY KEY,
                    name text NOT NULL,
                    checksum text NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now()
                )
                """)
            var applied = [Int: String]()
            for row in try connection.query("SELECT version, checksum FROM public.sigmaris_schema_migrations") {
                applied[try row.decode(Int.self, "version")] = try row.decode(String.self, "checksum")
            }
            var names = [String]()
            for migration in migrations {
                if let checksum = applied[migration.version] {
                    if checksum != migration.checksum {
                        logger.warning(
                            "applied migration file has changed since; not re-applied",
                            metadata: ["sigmaris.migration": "\(migration.name)"])
                    }
                    continue
                }
                do {
                    try connection.execute(script: TransactionStart.sql(
                        statementTimeout: .unbounded, lockTimeout: lockTimeout.map(TransactionStart.Limit.after) ?? .serverDefault))
                    try connection.execute(script: migration.sql)
                    try connection.query(
                        "INSERT INTO public.sigmaris_schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
                        [.int(migration.version), .text(migration.name), .text(migration.checksum)])
                    try connection.query("COMMIT")
                } catch var error as PostgresError {
                    if connection.isHealthy { _ = try? connection.query("ROLLBACK") }
                    error.detail = "while applying \(migration.name)"
                    throw error
                }
                logger.info("applied migration", metadata: ["sigmaris.migration": "\(migration.name)"])
                names.append(migration.name)
            }
            return names
        }
    }
}
