import Foundation
import SigmarisPostgres
import SigmarisTestSupport

/// A database of its own on the test cluster, so the row counts of EVERY table can be compared
/// before and after a request while other suites write to the shared test database in parallel.
struct PropertyDatabase: Sendable {
    let url: String
    private let client: PostgresClient
    private let countSQL: String

    /// Drops and recreates `name` on the test cluster, applies the migrations, and learns its tables.
    static func recreate(_ name: String) async throws -> PropertyDatabase {
        try await TestDatabase.withMigratedClient(poolSize: 1) { admin in
            // Identifiers cannot be parameters; `name` is a constant of the test.
            try await admin.query("DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
            try await admin.query("CREATE DATABASE \(name)")
        }
        guard var components = URLComponents(string: try TestDatabase.url()) else {
            throw NotAURL()
        }
        components.path = "/" + name
        let url = components.string!
        let client = PostgresClient(
            configuration: PostgresConfiguration(connectionString: url, poolSize: 1, connectTimeoutSeconds: 5),
            logger: TestDatabase.logger)
        _ = try await MigrationRunner(client: client, logger: TestDatabase.logger)
            .migrate(try Migration.load(from: TestDatabase.migrationsDirectory))
        let tables = try await client.query(
            """
            SELECT format('%I.%I', table_schema, table_name) AS name FROM information_schema.tables
            WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')
            ORDER BY 1
            """
        ).map { try $0.decode(String.self, "name") }
        let countSQL = tables
            .map { "SELECT '\($0.replacingOccurrences(of: "'", with: "''"))' AS name, count(*)::int AS n FROM \($0)" }
            .joined(separator: " UNION ALL ")
        return PropertyDatabase(url: url, client: client, countSQL: countSQL)
    }

    /// Rows per table, every table of the database.
    func rowCounts() async throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for row in try await client.query(countSQL) {
            counts[try row.decode(String.self, "name")] = try row.decode(Int.self, "n")
        }
        return counts
    }

    func shutdown() async { await client.shutdown() }

    struct NotAURL: Error, CustomStringConvertible {
        var description: String { "SIGMARIS_TEST_DATABASE_URL must be a postgresql:// URL for the property test" }
    }
}
