import Foundation
import Logging
import NIOPosix
import SigmarisPostgres

/// The real Postgres that `make test` starts. Tests never mock the database.
///
/// Without `SIGMARIS_TEST_DATABASE_URL` the database tests are skipped on a developer's machine, but
/// when `CI` is set they run and fail, so a broken set-up can never pass as green.
public enum TestDatabase {
    public struct Missing: Error, CustomStringConvertible {
        public let variable: String
        public var description: String { "\(variable) is not set; run the tests with `make test`" }
    }

    /// Whether database tests should run (use with `.enabled(if:)`).
    public static var shouldRun: Bool {
        env("SIGMARIS_TEST_DATABASE_URL") != nil || env("CI") != nil
    }

    public static func url() throws -> String {
        guard let url = env("SIGMARIS_TEST_DATABASE_URL") else { throw Missing(variable: "SIGMARIS_TEST_DATABASE_URL") }
        return url
    }

    /// A second cluster that one test may restart (`SIGMARIS_TEST_RESTART_COMMAND`), so restarting it
    /// never disturbs tests that run in parallel on the main one.
    public static func restartableURL() throws -> (url: String, restartCommand: String) {
        guard let url = env("SIGMARIS_TEST_RESTART_DATABASE_URL") else {
            throw Missing(variable: "SIGMARIS_TEST_RESTART_DATABASE_URL")
        }
        guard let command = env("SIGMARIS_TEST_RESTART_COMMAND") else { throw Missing(variable: "SIGMARIS_TEST_RESTART_COMMAND") }
        return (url, command)
    }

    /// The repository's `sql/` folder.
    public static var migrationsDirectory: URL {
        if let dir = env("SIGMARIS_MIGRATIONS_DIR") { return URL(fileURLWithPath: dir) }
        // Tests/SigmarisTestSupport/TestDatabase.swift → repository root.
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("sql")
    }

    public static var logger: Logger {
        // To .test-artifacts/test-errors.log under make test (TestLogFile), not the terminal.
        TestLogFile.logger(label: "sigmaris.test", level: .warning)
    }

    /// A client on the shared test database (or the one at `url`) with every migration applied.
    public static func migratedClient(
        poolSize: Int = 4, preparedStatements: PreparedStatementMode = .auto, url: String? = nil
    ) async throws -> PostgresClient {
        let client = PostgresClient(
            configuration: PostgresConfiguration(
                // A long lease deadline: the production 5 s is a 503 for a user, here a full parallel
                // run on two cores can keep a small pool's waiters queued that long.
                connectionString: try url ?? Self.url(), poolSize: poolSize, connectTimeoutSeconds: 5, leaseTimeout: .seconds(60),
                preparedStatements: preparedStatements),
            logger: logger)
        try await MigrationRunner(client: client, logger: logger).migrate(try Migration.load(from: migrationsDirectory))
        return client
    }

    /// Runs `body` with a migrated client on `server` and shuts it down afterwards; does nothing
    /// when `server` is not configured outside CI (`TestPostgres.url()`).
    public static func withMigratedClient(
        on server: TestPostgres, poolSize: Int = 4, _ body: (PostgresClient) async throws -> Void
    ) async throws {
        guard let url = try server.url() else { return }
        try await withMigratedClient(poolSize: poolSize, url: url, body)
    }

    /// Runs `body` with a migrated client and shuts the client down afterwards, whatever happens.
    public static func withMigratedClient<T>(
        poolSize: Int = 4,
        preparedStatements: PreparedStatementMode = .auto,
        url: String? = nil,
        _ body: (PostgresClient) async throws -> T
    ) async throws -> T {
        let client = try await migratedClient(poolSize: poolSize, preparedStatements: preparedStatements, url: url)
        do {
            let value = try await body(client)
            await client.shutdown()
            return value
        } catch {
            await client.shutdown()
            throw error
        }
    }

    /// Runs a shell command on a thread of NIO's shared pool and waits: a restart blocks for a second,
    /// and on a cooperative thread that would stall every other test running meanwhile.
    public static func shell(_ command: String) async throws {
        try await NIOThreadPool.singleton.runIfActive { try shellBlocking(command) }
    }

    /// Runs a shell command and waits (for restarting the test server).
    ///
    /// `posix_spawn` + `waitpid` rather than Foundation's `Process`: `pg_ctl` leaves a daemon behind
    /// that inherits descriptors, and `Process.waitUntilExit` on Linux then never returns.
    public static func shellBlocking(_ command: String) throws {
        let pid = try spawnShell(command)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        guard status == 0 else { throw ShellFailure(command: command, status: status) }
    }

    public struct ShellFailure: Error, CustomStringConvertible {
        public let command: String
        public let status: Int32
        public var description: String { "command failed (status \(status)): \(command)" }
    }

    private static func env(_ name: String) -> String? {
        guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else { return nil }
        return value
    }
}
