import Foundation
import SigmarisTestSupport
import Testing
@testable import SigmarisPostgres

/// Uses a second cluster that only this suite restarts, so other suites keep running undisturbed.
@Suite("Reconnect after a server restart", .enabled(if: TestDatabase.shouldRun))
struct ReconnectTests {
    @Test func brokenConnectionsAreReplacedTransparently() async throws {
        let (url, restart) = try TestDatabase.restartableURL()
        let client = PostgresClient(configuration: .init(connectionString: url, poolSize: 3), logger: TestDatabase.logger)

        // Open several connections so that several go stale at once.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<3 { group.addTask { try await client.query("SELECT pg_sleep(0.05)") } }
            try await group.waitForAll()
        }
        let before = try await client.query("SELECT pg_backend_pid() AS pid")[0].decode(Int.self, "pid")

        try TestDatabase.shell(restart)

        // Every idle connection is now dead; the next requests must still succeed.
        for _ in 0..<3 {
            let after = try await client.query("SELECT pg_backend_pid() AS pid")[0].decode(Int.self, "pid")
            #expect(after != before)
        }
        #expect(await client.isReachable())
        await client.shutdown()
    }
}
