import Foundation
import SigmarisTestSupport
import Testing
@testable import SigmarisPostgres

@Suite("Migrations", .enabled(if: TestDatabase.shouldRun))
struct MigrationTests {
    /// A database of its own, so "first run applies everything" holds whatever ran before.
    /// On the other server when `url` is given (`TestPostgres`).
    private func withFreshDatabase(url: String? = nil, _ body: (PostgresClient) async throws -> Void) async throws {
        let url = try url ?? TestDatabase.url()
        let admin = PostgresClient(configuration: .init(connectionString: url, poolSize: 1), logger: TestDatabase.logger)
        let name = "sigmaris_migrate_\(UInt32.random(in: 0...UInt32.max))"
        try await admin.query("CREATE DATABASE \(name)")
        // Point the libpq string at the new database by appending a dbname override.
        var components = URLComponents(string: url)!
        components.path = "/\(name)"
        let client = PostgresClient(configuration: .init(connectionString: components.string!, poolSize: 2), logger: TestDatabase.logger)
        do {
            try await body(client)
        } catch {
            await client.shutdown()
            _ = try? await admin.query("DROP DATABASE \(name)")
            await admin.shutdown()
            throw error
        }
        await client.shutdown()
        try await admin.query("DROP DATABASE \(name)")
        await admin.shutdown()
    }

    @Test func filesAreOrderedAndNumbered() throws {
        let migrations = try Migration.load(from: TestDatabase.migrationsDirectory)
        #expect(migrations.count >= 3)
        #expect(migrations.map(\.version) == migrations.map(\.version).sorted())
        #expect(migrations.first?.name == "0001_supabase_compat.sql")
    }

    /// On PostgreSQL 15 without pgvector and on 18 with it (`sql/0015_memory_archive.sql` creates
    /// what each has: the text index on both, the embedding column and its indexes on the second).
    @Test(arguments: TestPostgres.allCases)
    func applyingTwiceChangesNothing(_ server: TestPostgres) async throws {
        guard let url = try server.url() else { return }
        try await withFreshDatabase(url: url) { client in
            let migrations = try Migration.load(from: TestDatabase.migrationsDirectory)
            let runner = MigrationRunner(client: client, logger: TestDatabase.logger)
            let first = try await runner.migrate(migrations)
            #expect(first == migrations.map(\.name))
            let second = try await runner.migrate(migrations)
            #expect(second.isEmpty)
            let recorded = try await client.query("SELECT count(*)::int AS n FROM sigmaris_schema_migrations")
            #expect(try recorded[0].decode(Int.self, "n") == migrations.count)
            // Every file is also safe to run again by hand (psql -f / SQL editor) on a migrated database.
            for migration in migrations {
                try await client.withConnection { try $0.execute(script: migration.sql) }
            }
            let tables = try await client.query(
                "SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public' AND tablename IN ('messages', 'sigmaris_state_snapshots', 'sigmaris_episodes', 'sigmaris_persona_state')")
            #expect(try tables[0].decode(Int.self, "n") == 4)
            let archive = try await client.query(
                """
                SELECT EXISTS (SELECT 1 FROM pg_indexes WHERE indexname = 'sigmaris_episodes_user_search_idx') AS text_index,
                       EXISTS (SELECT 1 FROM pg_indexes WHERE indexname = 'sigmaris_episodes_user_text_trgm_idx') AS trigram_index,
                       EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = 'sigmaris_episodes'
                               AND column_name = 'embedding_v') AS vector_column,
                       (SELECT count(*)::int FROM pg_indexes WHERE indexname LIKE 'sigmaris_episodes_embedding_%_idx') AS vector_indexes
                """)
            // 0017's full text index everywhere; 0015's trigram index, which 0017 replaces, nowhere.
            #expect(try archive[0].decode(Bool.self, "text_index"))
            #expect(try archive[0].decode(Bool.self, "trigram_index") == false)
            #expect(try archive[0].decode(Bool.self, "vector_column") == (server == .pgvector))
            #expect(try archive[0].decode(Int.self, "vector_indexes") == (server == .pgvector ? 2 : 0))
        }
    }

    @Test func aFailingMigrationLeavesNothingBehind() async throws {
        try await withFreshDatabase { client in
            let broken = [
                Migration(version: 1, name: "0001_ok.sql", sql: "CREATE TABLE half_done (id int);"),
                Migration(version: 2, name: "0002_broken.sql", sql: "CREATE TABLE never (id int); SELECT 1/0;"),
            ]
            let runner = MigrationRunner(client: client, logger: TestDatabase.logger)
            let error = await #expect(throws: PostgresError.self) { try await runner.migrate(broken) }
            #expect(error?.sqlState == "22012")
            #expect(error?.detail?.contains("0002_broken.sql") == true)
            let rows = try await client.query("SELECT to_regclass('never') IS NULL AS gone, to_regclass('half_done') IS NOT NULL AS kept")
            #expect(try rows[0].decode(Bool.self, "gone"))
            #expect(try rows[0].decode(Bool.self, "kept"))
        }
    }

    @Test func rowLevelSecurityHidesOtherUsersRows() async throws {
        try await TestDatabase.withMigratedClient { client in
            let alice = UUID(), bob = UUID()
            for user in [alice, bob] {
                try await client.query(
                    "INSERT INTO messages (user_id, session_id, role, content) VALUES ($1, 'shared-session', 'user', $2)",
                    [.uuid(user), .text("from \(user)")])
                try await client.query(
                    "INSERT INTO sigmaris_state_snapshots (user_id, session_id, global_state) VALUES ($1, 'shared-session', 'NORMAL')",
                    [.uuid(user)])
            }
            let claims = #"{"sub":"\#(alice.uuidString.lowercased())","role":"authenticated","aud":"authenticated"}"#
            let seen = try await client.withTransaction { connection in
                try connection.query("SELECT set_config('request.jwt.claims', $1, true)", [.text(claims)])
                try connection.query("SET LOCAL ROLE authenticated")
                // No user filter: the policy alone must hide Bob's rows.
                let messages = try connection.query("SELECT user_id FROM messages WHERE session_id = 'shared-session'")
                let snapshots = try connection.query("SELECT user_id FROM sigmaris_state_snapshots WHERE session_id = 'shared-session'")
                return (try messages.map { try $0.decode(UUID.self, "user_id") }, try snapshots.map { try $0.decode(UUID.self, "user_id") })
            }
            #expect(seen.0 == [alice])
            #expect(seen.1 == [alice])

            // Writing a row for someone else is refused by the policy's WITH CHECK.
            let error = await #expect(throws: PostgresError.self) {
                try await client.withTransaction { connection in
                    try connection.query("SELECT set_config('request.jwt.claims', $1, true)", [.text(claims)])
                    try connection.query("SET LOCAL ROLE authenticated")
                    try connection.query(
                        "INSERT INTO messages (user_id, session_id, role, content) VALUES ($1, 's', 'user', 'x')", [.uuid(bob)])
                }
            }
            #expect(error?.sqlState == "42501")
        }
    }
}
