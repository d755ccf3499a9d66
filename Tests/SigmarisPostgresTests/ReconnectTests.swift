import Foundation
import Synchronization
import SigmarisTestSupport
import Testing
@testable import SigmarisPostgres

/// Uses a second cluster that only this suite restarts, so other suites keep running undisturbed.
@Suite("Reconnect after a server restart", .enabled(if: TestDatabase.shouldRun), .serialized)
struct ReconnectTests {
    @Test func requestsDuringAFastRestartWaitForTheServer() async throws {
        let (url, restart) = try TestDatabase.restartableURL()
        let client = PostgresClient(
            configuration: .init(connectionString: url, poolSize: 4, leaseTimeout: .seconds(20)), logger: TestDatabase.logger)
        let failures = Counter()
        let done = Counter()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    for _ in 0..<40 {
                        do {
                            // Reads: a transaction whose COMMIT meets the shutdown has an unknown
                            // outcome and rightly fails; that is tested apart.
                            _ = try await client.withConnection(replay: .whenConnectionBreaks) {
                                try $0.query("SELECT pg_sleep(0.01)")
                            }
                        } catch {
                            failures.record(error)
                        }
                        done.increment()
                    }
                }
            }
            group.addTask {
                try await Task.sleep(for: .milliseconds(100))
                try await TestDatabase.shell(restart)
            }
            try await group.waitForAll()
        }
        #expect(done.value == 320)
        #expect(failures.value == 0, "\(failures.errors)")
        await client.shutdown()
    }

    @Test func brokenConnectionsAreReplacedTransparently() async throws {
        let (url, restart) = try TestDatabase.restartableURL()
        let client = PostgresClient(configuration: .init(connectionString: url, poolSize: 3), logger: TestDatabase.logger)

        // Open several connections so that several go stale at once.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<3 { group.addTask { try await client.query("SELECT pg_sleep(0.05)") } }
            try await group.waitForAll()
        }
        let before = try await client.query("SELECT pg_backend_pid() AS pid")[0].decode(Int.self, "pid")

        try await TestDatabase.shell(restart)

        // Every idle connection is now dead; the next requests must still succeed.
        for _ in 0..<3 {
            let after = try await client.query("SELECT pg_backend_pid() AS pid")[0].decode(Int.self, "pid")
            #expect(after != before)
        }
        #expect(await client.isReachable())
        await client.shutdown()
    }
}

/// What a broken connection does to work in flight: transactions that had not sent COMMIT run again;
/// autocommit work that ran does not.
@Suite("Work across broken connections", .enabled(if: TestDatabase.shouldRun))
struct BrokenConnectionReplayTests {
    @Test func aTransactionBrokenBeforeCommitRunsAgainOnce() async throws {
        try await TestDatabase.withMigratedClient(poolSize: 2) { client in
            let user = UUID()
            let attempts = Counter()
            try await client.withTransaction { connection in
                let attempt = attempts.increment()
                try connection.query(
                    "INSERT INTO messages (user_id, session_id, role, content) VALUES ($1, 's', 'user', 'x')", [.uuid(user)])
                if attempt == 1 {
                    // The server ends this session mid-transaction: nothing of it was committed.
                    _ = try? connection.query("SELECT pg_terminate_backend(pg_backend_pid())")
                }
            }
            #expect(attempts.value == 2)
            let count = try await client.query("SELECT count(*)::int AS n FROM messages WHERE user_id = $1", [.uuid(user)])
            #expect(try count[0].decode(Int.self, "n") == 1, "stored exactly once")
        }
    }

    @Test func autocommitWorkThatRanIsNotReplayed() async throws {
        try await TestDatabase.withMigratedClient(poolSize: 2) { client in
            let attempts = Counter()
            await #expect(throws: PostgresError.self) {
                try await client.withConnection { connection in
                    attempts.increment()
                    try connection.query("SELECT 1")
                    try connection.query("SELECT pg_terminate_backend(pg_backend_pid())")
                }
            }
            #expect(attempts.value == 1)
        }
    }
}

/// A count shared by concurrent tasks, with the errors it was given.
private final class Counter: Sendable {
    private let count = Atomic<Int>(0)
    private let recorded = Mutex<[String]>([])
    var value: Int { count.load(ordering: .relaxed) }
    var errors: [String] { recorded.withLock { $0 } }
    @discardableResult
    func increment() -> Int { count.add(1, ordering: .relaxed).newValue }
    func record(_ error: any Error) {
        increment()
        recorded.withLock { $0.append("\(error)") }
    }
}
