import Foundation
import SigmarisPostgres

extension TestDatabase {
    /// Runs `body` with a client on a database of its own (nothing migrated), dropped afterwards
    /// whatever happens: for tests that need a history the shared database cannot give, such as
    /// "the migrations up to N, then rows of that shape, then the next file".
    public static func withFreshDatabase<T>(
        prefix: String = "sigmaris_fresh",
        poolSize: Int = 2,
        url serverURL: String? = nil,
        _ body: (PostgresClient) async throws -> T
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
            result = .success(try await body(client))
        } catch {
            result = .failure(error)
        }
        await client.shutdown()
        _ = try? await admin.query("DROP DATABASE \(name)")
        await admin.shutdown()
        return try result.get()
    }
}
