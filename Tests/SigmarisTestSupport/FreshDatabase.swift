import Foundation
import SigmarisPostgres

extension TestDatabase {
    /// Runs `body` with a client on a database of its own (nothing migrated), dropped afterwards
    /// whatever happens: for tests that need a history the shared database cannot give, such as
    /// "the migrations up to N, then rows of that shape, then the next file". `serverURL` picks the
    /// server (the pgvector cluster); nil is the shared test server.
    public static func withFreshDatabase<T>(
        prefix: String = "sigmaris_fresh",
        poolSize: Int = 2,
        url serverURL: String? = nil,
        _ body: (PostgresClient) async throws -> T
    ) async throws -> T {
        try await withFreshDatabaseURL(prefix: prefix, poolSize: poolSize, url: serverURL) { client, _ in try await body(client) }
    }

    /// `withFreshDatabase`, and the database's URL for what connects on its own (an application
    /// under test): for tests whose rows no test running beside them may see, such as a service
    /// that takes every due row of a table.
    public static func withFreshDatabaseURL<T>(
        prefix: String = "sigmaris_fresh",
        poolSize: Int = 2,
        url serverURL: String? = nil,
        _ body: (_ client: PostgresClient, _ url: String) async throws -> T
    ) async throws -> T {
        let serverURL = try serverURL ?? url()
        let admin = PostgresClient(configuration: .init(connectionString: serverURL, poolSize: 1), logger: logger)
        let name = "\(prefix)_\(UInt32.random(in: 0...UInt32.max))"
        try await admin.query("CREATE DATABASE \(name)")
        var components = URLComponents(string: serverURL)!
        components.path = "/\(name)"
        let client = PostgresClient(configuration: .init(connectionString: components.string!, poolSize: poolSize), logger: logger)
        let result: Result<T, any Error>
        do {
            result = .success(try await body(client, components.string!))
        } catch {
            result = .failure(error)
        }
        await client.shutdown()
        _ = try? await admin.query("DROP DATABASE \(name)")
        await admin.shutdown()
        return try result.get()
    }
}

extension TestDatabase {
    /// As `withFreshDatabaseURL`, with every migration applied, for an app or a store of its own:
    /// for tests whose rows act on every user (a policy), which the shared database's parallel tests
    /// must not see.
    public static func withFreshMigratedDatabase<T>(
        prefix: String = "sigmaris_fresh",
        poolSize: Int = 4,
        _ body: (PostgresClient, _ url: String) async throws -> T
    ) async throws -> T {
        try await withFreshDatabaseURL(prefix: prefix, poolSize: poolSize) { client, url in
            try await MigrationRunner(client: client, logger: logger).migrate(try Migration.load(from: migrationsDirectory))
            return try await body(client, url)
        }
    }
}
