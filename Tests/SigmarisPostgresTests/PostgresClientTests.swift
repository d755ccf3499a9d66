import Foundation
import SigmarisTestSupport
import Synchronization
import Testing
@testable import SigmarisPostgres

@Suite("PostgresClient against a real database", .enabled(if: TestDatabase.shouldRun))
struct PostgresClientTests {
    @Test func decodesEveryColumnType() async throws {
        try await TestDatabase.withMigratedClient { client in
            let id = UUID()
            let now = Date(timeIntervalSince1970: 1_795_583_110.25)
            let row = try #require(try await client.query(
                """
                SELECT $1::text AS t, $2::bigint AS i, $3::float8 AS d, $4::bool AS b, $5::uuid AS u,
                       $6::timestamptz AS ts, $7::jsonb AS j, $8::bytea AS bytes, NULL::text AS missing,
                       'こんにちは'::text AS jp
                """,
                [.text("héllo"), .int(-42), .double(0.125), .bool(true), .uuid(id), .timestamp(now),
                 .jsonb(#"{"a": [1, 2]}"#), .bytea([0, 1, 254, 255])]
            ).first)
            #expect(try row.decode(String.self, "t") == "héllo")
            #expect(try row.decode(Int.self, "i") == -42)
            #expect(try row.decode(Double.self, "d") == 0.125)
            #expect(try row.decode(Bool.self, "b") == true)
            #expect(try row.decode(UUID.self, "u") == id)
            #expect(try row.decode(Date.self, "ts") == now)
            #expect(try row.decode(PostgresJSON.self, "j").text == #"{"a": [1, 2]}"#)
            #expect(try row.decode(PostgresBytes.self, "bytes").bytes == [0, 1, 254, 255])
            #expect(try row.decode(String?.self, "missing") == nil)
            #expect(try row.decode(String.self, "jp") == "こんにちは")
            #expect(throws: PostgresError.self) { try row.decode(String.self, "missing") }
            #expect(throws: PostgresError.self) { try row.decode(Int.self, "t") }
        }
    }

    @Test func poolServesMoreTasksThanConnections() async throws {
        try await TestDatabase.withMigratedClient(poolSize: 3) { client in
            let peak = PeakCounter()
            let results = try await withThrowingTaskGroup(of: Int.self) { group in
                for i in 0..<40 {
                    group.addTask {
                        try await client.withConnection { connection in
                            peak.enter()
                            defer { peak.leave() }
                            // Hold this connection until a second one has been in use at once (at most
                            // 10 s, on this pool thread): on a loaded machine the first connection
                            // could otherwise serve every task before the pool opened another, and
                            // the test would measure the scheduler instead of the pool.
                            let deadline = ContinuousClock.now + .seconds(10)
                            while peak.maximum < 2, ContinuousClock.now < deadline { usleep(1_000) }
                            let rows = try connection.query("SELECT $1::int + 1 AS n, pg_sleep(0.01)", [.int(i)])
                            return try rows[0].decode(Int.self, "n")
                        }
                    }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(results.sorted() == Array(1...40))
            #expect(peak.maximum <= 3)
            #expect(peak.maximum >= 2)
        }
    }

    @Test func transactionRollsBackOnThrownError() async throws {
        try await TestDatabase.withMigratedClient { client in
            let user = UUID()
            struct Boom: Error {}
            await #expect(throws: Boom.self) {
                try await client.withTransaction { connection in
                    try connection.query(
                        "INSERT INTO messages (user_id, session_id, role, content) VALUES ($1, 's', 'user', 'hi')", [.uuid(user)])
                    throw Boom()
                }
            }
            let count = try await client.query("SELECT count(*)::int AS n FROM messages WHERE user_id = $1", [.uuid(user)])
            #expect(try count[0].decode(Int.self, "n") == 0)
        }
    }

    @Test func swallowedStatementErrorStillRollsBack() async throws {
        try await TestDatabase.withMigratedClient { client in
            let user = UUID()
            await #expect(throws: PostgresError.self) {
                try await client.withTransaction { connection in
                    try connection.query(
                        "INSERT INTO messages (user_id, session_id, role, content) VALUES ($1, 's', 'user', 'hi')", [.uuid(user)])
                    _ = try? connection.query("SELECT 1/0")
                }
            }
            let count = try await client.query("SELECT count(*)::int AS n FROM messages WHERE user_id = $1", [.uuid(user)])
            #expect(try count[0].decode(Int.self, "n") == 0)
        }
    }

    @Test func committedTransactionIsVisible() async throws {
        try await TestDatabase.withMigratedClient { client in
            let user = UUID()
            try await client.withTransaction { connection in
                for role in ["user", "ai"] {
                    try connection.query(
                        "INSERT INTO messages (user_id, session_id, role, content) VALUES ($1, 's', $2, 'x')", [.uuid(user), .text(role)])
                }
            }
            let count = try await client.query("SELECT count(*)::int AS n FROM messages WHERE user_id = $1", [.uuid(user)])
            #expect(try count[0].decode(Int.self, "n") == 2)
        }
    }

    @Test func constraintViolationCarriesSQLState() async throws {
        try await TestDatabase.withMigratedClient { client in
            let error = await #expect(throws: PostgresError.self) {
                try await client.query(
                    "INSERT INTO messages (user_id, session_id, role, content) VALUES ($1, 's', 'robot', 'x')", [.uuid(UUID())])
            }
            #expect(error?.code == .queryFailed)
            #expect(error?.sqlState == "23514")
            #expect(error?.constraint == "messages_role_check")
            #expect(error?.isUnavailable == false)

            let id = "ep-\(UUID())"
            try await client.query("INSERT INTO sigmaris_episodes (episode_id, user_id, timestamp) VALUES ($1, 'u', now())", [.text(id)])
            let duplicate = await #expect(throws: PostgresError.self) {
                try await client.query("INSERT INTO sigmaris_episodes (episode_id, user_id, timestamp) VALUES ($1, 'u', now())", [.text(id)])
            }
            #expect(duplicate?.sqlState == "23505")
        }
    }

    @Test func unreachableDatabaseFailsFastWithAClearError() async throws {
        // Port 1 on loopback: nothing listens, so the connection is refused at once.
        let client = PostgresClient(
            configuration: PostgresConfiguration(
                connectionString: "postgresql://nobody@127.0.0.1:1/none", poolSize: 2, connectTimeoutSeconds: 2,
                leaseTimeout: .milliseconds(300)),
            logger: TestDatabase.logger)
        defer { Task { await client.shutdown() } }
        let start = ContinuousClock.now
        let error = await #expect(throws: PostgresError.self) { try await client.query("SELECT 1") }
        #expect(error?.code == .connectionFailed)
        #expect(error?.isUnavailable == true)
        // Refused at once, so no wait for the 2 s connect timeout per retry; the bound only catches a
        // hang, with room for a machine busy with the rest of the suite.
        #expect(ContinuousClock.now - start < .seconds(60))
        #expect(await client.isReachable() == false)
        // The failed attempts gave their slots back: more requests than slots still fail fast, no hang.
        for _ in 0..<5 { await #expect(throws: PostgresError.self) { try await client.query("SELECT 1") } }
    }
}

/// Counts how many pool threads run work at once.
private final class PeakCounter: Sendable {
    private let state = Mutex((current: 0, max: 0))
    func enter() { state.withLock { $0.current += 1; $0.max = max($0.max, $0.current) } }
    func leave() { state.withLock { $0.current -= 1 } }
    var maximum: Int { state.withLock { $0.max } }
}
