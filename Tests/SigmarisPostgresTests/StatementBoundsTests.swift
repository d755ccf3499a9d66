import Foundation
import SigmarisTestSupport
import Synchronization
import Testing
@testable import SigmarisPostgres

/// Every statement ends: the statement timeout (server-side in a transaction, the client's own
/// deadline outside one), and the cancellation of the task that waits for it. Bounds such as
/// "within the timeout + 10 s" are hang guards, not measurements.
@Suite("Statements are bounded", .enabled(if: TestDatabase.shouldRun))
struct StatementBoundsTests {
    static func client(statementTimeout: Duration?, poolSize: Int = 2) throws -> PostgresClient {
        PostgresClient(
            configuration: .init(
                connectionString: try TestDatabase.url(), poolSize: poolSize, leaseTimeout: .seconds(60),
                statementTimeout: statementTimeout),
            logger: TestDatabase.logger)
    }

    @Test func aTransactionsStatementPastTheTimeoutFailsAsUnavailableAndItsConnectionIsKept() async throws {
        let client = try Self.client(statementTimeout: .seconds(1))
        let started = ContinuousClock.now
        let error = await #expect(throws: PostgresError.self) {
            try await client.withTransaction { try $0.query("SELECT pg_sleep(30)") }
        }
        #expect(error?.sqlState == "57014" && error?.isUnavailable == true, "\(String(describing: error))")
        #expect(ContinuousClock.now - started < .seconds(11))
        // The server's own statement_timeout answered: nothing was cancelled from outside, the
        // transaction was rolled back, and the connection went back to the pool.
        #expect(client.usage.inUse == 0 && client.usage.idle == 1)
        #expect(try await client.query("SHOW statement_timeout")[0].decode(String.self, "statement_timeout") != "1s",
                "SET LOCAL ended with the transaction")
        await client.shutdown()
    }

    /// A transaction's settings (the archive search's HNSW ones) hold inside it and end with it.
    @Test func aTransactionsSettingsHoldForItAlone() async throws {
        let client = try Self.client(statementTimeout: .seconds(5), poolSize: 1)
        let inside = try await client.withTransaction(settings: [TransactionSetting("sigmaris.test_setting", "relaxed_order")]) {
            try $0.query("SELECT current_setting('sigmaris.test_setting') AS v")[0].decode(String.self, "v")
        }
        #expect(inside == "relaxed_order")
        // The same (only) connection, after COMMIT: unset again.
        let after = try await client.query("SELECT coalesce(current_setting('sigmaris.test_setting', true), '') AS v")
        #expect(try after[0].decode(String.self, "v") == "")
        await client.shutdown()
    }

    @Test func anAutocommitStatementPastTheTimeoutIsCancelledByTheClientAndItsConnectionClosed() async throws {
        let client = try Self.client(statementTimeout: .seconds(1))
        let started = ContinuousClock.now
        let error = await #expect(throws: PostgresError.self) {
            try await client.withConnection { try $0.query("SELECT pg_sleep(30)") }
        }
        #expect(error?.isUnavailable == true, "\(String(describing: error))")
        #expect(ContinuousClock.now - started < .seconds(11))
        #expect(client.usage.inUse == 0 && client.usage.idle == 0, "a connection that got a cancel request is closed")
        #expect(await client.isReachable())
        await client.shutdown()
    }

    @Test(arguments: [false, true])
    func aCancelledTaskCancelsItsRunningStatement(inTransaction: Bool) async throws {
        let client = try Self.client(statementTimeout: .seconds(60))
        let observer = try Self.client(statementTimeout: .seconds(10), poolSize: 1)
        let marker = "sigmaris_cancel_\(UUID().uuidString.prefix(8))"
        let sql = "SELECT pg_sleep(120), '\(marker)'"
        let task = Task {
            if inTransaction {
                try await client.withTransaction { try $0.query(sql) }
            } else {
                try await client.withConnection { try $0.query(sql) }
            }
        }
        // Wait until the server runs it, then cancel the task.
        try await Self.waitUntil(running: marker, is: true, observer: observer)
        let cancelled = ContinuousClock.now
        task.cancel()
        await #expect(throws: CancellationError.self) { _ = try await task.value }
        #expect(ContinuousClock.now - cancelled < .seconds(10))
        // The server stopped it; the connection was not given back.
        try await Self.waitUntil(running: marker, is: false, observer: observer)
        #expect(client.usage.inUse == 0 && client.usage.idle == 0)
        #expect(await client.isReachable())
        await client.shutdown()
        await observer.shutdown()
    }

    /// Polls `pg_stat_activity` (at most 20 s) until a statement containing `marker` runs, or none does.
    static func waitUntil(running marker: String, is running: Bool, observer: PostgresClient) async throws {
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline {
            let count = try await observer.query(
                "SELECT count(*)::int AS n FROM pg_stat_activity WHERE state = 'active' AND query LIKE '%' || $1 || '%' AND pid <> pg_backend_pid()",
                [.text(marker)])[0].decode(Int.self, "n")
            if (count > 0) == running { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("the statement marked \(marker) \(running ? "never ran" : "kept running")")
    }
}

/// "Nothing ran" means nothing was sent: only then does work that is not a read or an uncommitted
/// transaction run again on a new connection.
@Suite("Replaying work only when nothing ran", .enabled(if: TestDatabase.shouldRun))
struct NothingRanReplayTests {
    @Test func aSingleStatementThatRanIsNotRunAgain() async throws {
        try await TestDatabase.withMigratedClient(poolSize: 2) { client in
            let sequence = "sigmaris_replay_\(UUID().uuidString.prefix(8).lowercased())"
            try await client.query("CREATE SEQUENCE \(sequence)")
            // One statement with an effect outside any transaction (nextval), that then ends its own
            // session: it ran, so it must not run again, though it was the first statement sent.
            await #expect(throws: PostgresError.self) {
                try await client.query("SELECT nextval('\(sequence)'), pg_terminate_backend(pg_backend_pid())")
            }
            #expect(try await client.query("SELECT last_value FROM \(sequence)")[0].decode(Int.self, "last_value") == 1)
            try await client.query("DROP SEQUENCE \(sequence)")
        }
    }

    @Test func aConnectionFoundDeadBeforeTheFirstStatementIsReplacedAndTheWorkRunsOnce() async throws {
        try await TestDatabase.withMigratedClient(poolSize: 1) { client in
            let sequence = "sigmaris_replay_\(UUID().uuidString.prefix(8).lowercased())"
            try await client.query("CREATE SEQUENCE \(sequence)")
            let pid = try await client.query("SELECT pg_backend_pid() AS pid")[0].decode(Int.self, "pid")
            // Another session ends the pooled one while it is idle, and waits until it is gone.
            let other = PostgresClient(configuration: .init(connectionString: try TestDatabase.url(), poolSize: 1), logger: TestDatabase.logger)
            #expect(try await other.query("SELECT pg_terminate_backend($1::int, 10000) AS done", [.int(pid)])[0].decode(Bool.self, "done"))
            await other.shutdown()
            let value = try await client.query("SELECT nextval('\(sequence)') AS n")[0].decode(Int.self, "n")
            #expect(value == 1, "ran once, on a new connection")
            #expect(try await client.query("SELECT pg_backend_pid() AS pid")[0].decode(Int.self, "pid") != pid)
            try await client.query("DROP SEQUENCE \(sequence)")
        }
    }
}

/// Every connection asks for TCP keepalives and a user timeout, and `DATABASE_URL` may set its own.
@Suite("Connection keepalives", .enabled(if: TestDatabase.shouldRun))
struct ConnectionKeepaliveTests {
    static func options(_ url: String) async throws -> [String?] {
        let client = PostgresClient(configuration: .init(connectionString: url, poolSize: 1), logger: TestDatabase.logger)
        let values = try await client.withConnection { connection in
            ["keepalives", "keepalives_idle", "keepalives_interval", "keepalives_count", "tcp_user_timeout"]
                .map { connection.option($0) }
        }
        await client.shutdown()
        return values
    }

    @Test func everyConnectionHasThemAndTheURLMayOverrideThem() async throws {
        let url = try TestDatabase.url()
        #expect(try await Self.options(url) == ["1", "15", "5", "3", "30000"])
        let overridden = url + (url.contains("?") ? "&" : "?") + "keepalives_idle=60"
        #expect(try await Self.options(overridden) == ["1", "60", "5", "3", "30000"])
    }
}
