import Foundation
import SigmarisTestSupport
import Testing
@testable import SigmarisPostgres

@Suite("Prepared statements")
struct PreparedStatementModeTests {
    @Test func autoIsOffOnlyOnTheTransactionPoolersPort() {
        #expect(PreparedStatementMode.auto.prepares(onPort: "5432"))
        #expect(PreparedStatementMode.auto.prepares(onPort: nil))
        #expect(!PreparedStatementMode.auto.prepares(onPort: "6543"))
        #expect(PreparedStatementMode.on.prepares(onPort: "6543"))
        #expect(!PreparedStatementMode.off.prepares(onPort: "5432"))
    }

    @Test func aConnectionHoldsAtMostItsCapacityAndThenRunsUnnamed() {
        var statements = PreparedStatements()
        for index in 0..<PreparedStatements.capacity {
            let name = statements.newName()!
            statements.record(name, for: .init(sql: "SELECT \(index)", parameterTypes: []))
        }
        #expect(statements.newName() == nil)
        statements.forget(.init(sql: "SELECT 0", parameterTypes: []))
        #expect(statements.newName() != nil)
    }
}

@Suite("Prepared statements against a real database", .enabled(if: TestDatabase.shouldRun))
struct PreparedStatementTests {
    static func withClient<T>(_ mode: PreparedStatementMode, _ body: (PostgresClient) async throws -> T) async throws -> T {
        try await TestDatabase.withMigratedClient(poolSize: 1, preparedStatements: mode, body)
    }

    /// The server's own list of this session's prepared statements with this text.
    static func serverCopies(of sql: String, on connection: PostgresConnection) throws -> Int {
        try connection.query("SELECT count(*)::int AS n FROM pg_prepared_statements WHERE statement = $1", [.text(sql)])[0]
            .decode(Int.self, "n")
    }

    @Test func aStatementIsPreparedOncePerConnectionAndRunByName() async throws {
        let sql = "SELECT $1::int8 * 2 AS doubled /* prepared-once */"
        try await Self.withClient(.auto) { client in
            for value in 1...5 {
                #expect(try await client.query(sql, [.int(value)])[0].decode(Int.self, "doubled") == value * 2)
            }
            let (preparing, copies, null, copiesAfterNull) = try await client.withConnection { connection in
                let copies = try Self.serverCopies(of: sql, on: connection)
                // A NULL parameter leaves its type to the server: another statement, not a wrong one.
                let null = try connection.query(sql, [.null])[0].isNull("doubled")
                return (connection.prepared != nil, copies, null, try Self.serverCopies(of: sql, on: connection))
            }
            #expect(preparing && copies == 1 && null && copiesAfterNull == 2)
        }
    }

    @Test func offRunsEveryStatementUnnamed() async throws {
        try await Self.withClient(.off) { client in
            let (preparing, count) = try await client.withConnection { connection in
                _ = try connection.query("SELECT $1::text AS t", [.text("x")])
                _ = try connection.query("SELECT 1 AS one")
                return (connection.prepared != nil,
                        try connection.query("SELECT count(*)::int AS n FROM pg_prepared_statements")[0].decode(Int.self, "n"))
            }
            #expect(!preparing && count == 0)
        }
    }

    @Test func transactionsAndErrorsWorkWithPreparedStatements() async throws {
        try await Self.withClient(.on) { client in
            let table = "prepared_tx_\(UUID().uuidString.prefix(8).lowercased())"
            try await client.query("CREATE TABLE \(table) (id int PRIMARY KEY)")
            for id in 1...3 {
                _ = try await client.withTransaction { try $0.query("INSERT INTO \(table) (id) VALUES ($1)", [.int(id)]) }
            }
            // A failing statement aborts its transaction as always; the rollback leaves the connection usable.
            await #expect(throws: PostgresError.self) {
                try await client.withTransaction { connection in
                    try connection.query("INSERT INTO \(table) (id) VALUES ($1)", [.int(4)])
                    try connection.query("INSERT INTO \(table) (id) VALUES ($1)", [.int(1)])
                }
            }
            #expect(try await client.query("SELECT count(*)::int AS n FROM \(table)")[0].decode(Int.self, "n") == 3)
            try await client.query("DROP TABLE \(table)")
        }
    }

    /// Behind a transaction pooler the server connection changes under us and prepared statements
    /// vanish: the connection notices, runs that statement unnamed and prepares nothing any more.
    @Test func aVanishedStatementTurnsPreparingOffForTheConnection() async throws {
        try await Self.withClient(.on) { client in
            let (values, preparing) = try await client.withConnection { connection in
                let sql = "SELECT $1::int4 AS n"
                let before = try connection.query(sql, [.int(7)])[0].decode(Int.self, "n")
                try connection.execute(script: "DEALLOCATE ALL")
                let gone = try connection.query(sql, [.int(8)])[0].decode(Int.self, "n")
                let after = try connection.query(sql, [.int(9)])[0].decode(Int.self, "n")
                return ([before, gone, after], connection.prepared != nil)
            }
            #expect(values == [7, 8, 9] && !preparing)
        }
    }

    /// A table changed under a prepared `SELECT *` fails that statement once (Postgres will not change
    /// a prepared result's columns); it is prepared again on its next run.
    @Test func aStatementWhoseResultChangedIsPreparedAgain() async throws {
        try await Self.withClient(.on) { client in
            let (failure, columns) = try await client.withConnection { connection in
                try connection.execute(script: "CREATE TEMP TABLE reshaped (a int); INSERT INTO reshaped VALUES (1)")
                _ = try connection.query("SELECT * FROM reshaped")
                try connection.execute(script: "ALTER TABLE reshaped ADD COLUMN b int")
                var failure: String?
                do { _ = try connection.query("SELECT * FROM reshaped") } catch let error as PostgresError { failure = error.sqlState }
                return (failure, try connection.query("SELECT * FROM reshaped").columns)
            }
            #expect(failure == "0A000")
            #expect(columns == ["a", "b"])
        }
    }

    /// A new connection (the old one killed) prepares its statements afresh under its own names.
    @Test func aReplacedConnectionPreparesAgain() async throws {
        let sql = "SELECT pg_backend_pid() AS pid /* reprepared */"
        try await Self.withClient(.auto) { client in
            let first = try await client.query(sql)[0].decode(Int.self, "pid")
            try await TestDatabase.withMigratedClient(poolSize: 1) { other in
                _ = try await other.query("SELECT pg_terminate_backend($1::int4)", [.int(first)])
            }
            // The first statement on the dead connection fails before anything ran: it runs again on a new one.
            let second = try await client.query(sql)[0].decode(Int.self, "pid")
            #expect(second != first)
            #expect(try await client.withConnection { try Self.serverCopies(of: sql, on: $0) } == 1)
        }
    }
}
