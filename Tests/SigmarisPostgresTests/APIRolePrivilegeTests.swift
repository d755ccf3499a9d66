import Foundation
import SigmarisTestSupport
import Testing
@testable import SigmarisPostgres

/// The migrations on a database set up like a Supabase project: the API roles exist and the default
/// privileges hand them ALL on every new table of `public`. What `anon` and `authenticated` can
/// touch afterwards must be only what the routes need (sql/0004_api_role_privileges.sql).
@Suite("API role privileges on a Supabase-like database", .enabled(if: TestDatabase.shouldRun))
struct APIRolePrivilegeTests {
    /// What a Supabase project has before any Sigmaris file runs (its roles are cluster-wide and may
    /// be created at the same moment by another test's migrations, hence the exception handlers).
    static let supabaseDefaults = """
        DO $$
        DECLARE
            r text;
        BEGIN
            FOREACH r IN ARRAY ARRAY['anon', 'authenticated', 'service_role'] LOOP
                IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
                    BEGIN
                        EXECUTE format('CREATE ROLE %I NOLOGIN NOINHERIT', r);
                    EXCEPTION WHEN duplicate_object OR unique_violation THEN
                        NULL;
                    END;
                END IF;
            END LOOP;
        END
        $$;
        GRANT USAGE ON SCHEMA public TO anon, authenticated, service_role;
        ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON TABLES TO anon, authenticated, service_role;
        ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON SEQUENCES TO anon, authenticated, service_role;
        ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON FUNCTIONS TO anon, authenticated, service_role;
        """

    static let routeTables: Set<String> = ["messages", "sigmaris_state_snapshots"]
    static let coreTables: Set<String> = [
        "sigmaris_persona_state", "sigmaris_turns", "sigmaris_value_snapshots", "sigmaris_trait_snapshots",
        "sigmaris_episodes", "sigmaris_safety_assessments", "sigmaris_trace_events",
    ]
    static let writes = ["INSERT", "UPDATE", "DELETE", "TRUNCATE"]
    static let everything = ["SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER"]

    /// A database of its own (default privileges are per database), dropped afterwards.
    private func withSupabaseLikeDatabase(_ body: (PostgresClient) async throws -> Void) async throws {
        let admin = PostgresClient(configuration: .init(connectionString: try TestDatabase.url(), poolSize: 1), logger: TestDatabase.logger)
        let name = "sigmaris_privileges_\(UInt32.random(in: 0...UInt32.max))"
        try await admin.query("CREATE DATABASE \(name)")
        var components = URLComponents(string: try TestDatabase.url())!
        components.path = "/\(name)"
        let client = PostgresClient(configuration: .init(connectionString: components.string!, poolSize: 2), logger: TestDatabase.logger)
        do {
            try await client.withConnection { try $0.execute(script: Self.supabaseDefaults) }
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

    private func migrate(_ client: PostgresClient) async throws {
        try await MigrationRunner(client: client, logger: TestDatabase.logger)
            .migrate(try Migration.load(from: TestDatabase.migrationsDirectory))
    }

    private func tables(_ client: PostgresClient) async throws -> Set<String> {
        // Views too (sql/0007's `_v` views): Supabase's default privileges hand them out like tables.
        let rows = try await client.query("""
            SELECT c.relname AS tablename FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'public' AND c.relkind IN ('r', 'v') AND (c.relname = 'messages' OR c.relname LIKE 'sigmaris\\_%')
            """)
        return Set(try rows.map { try $0.decode(String.self, "tablename") })
    }

    private func has(_ client: PostgresClient, _ role: String, _ table: String, _ privilege: String) async throws -> Bool {
        let rows = try await client.query("SELECT has_table_privilege($1, $2, $3) AS granted", [.text(role), .text("public." + table), .text(privilege)])
        return try rows[0].decode(Bool.self, "granted")
    }

    @Test func theTestDatabaseHandsOutWhatSupabaseDoes() async throws {
        try await withSupabaseLikeDatabase { client in
            try await client.query("CREATE TABLE public.probe (id int)")
            #expect(try await has(client, "anon", "probe", "INSERT"), "the default privileges are not in force: the other tests prove nothing")
        }
    }

    @Test func anonCanTouchNoSigmarisTable() async throws {
        try await withSupabaseLikeDatabase { client in
            try await migrate(client)
            let tables = try await tables(client)
            #expect(tables.isSuperset(of: Self.routeTables.union(Self.coreTables).union(["sigmaris_schema_migrations"])))
            for table in tables {
                for privilege in Self.everything {
                    #expect(try await has(client, "anon", table, privilege) == false, "anon has \(privilege) on \(table)")
                }
            }
            let sequences = try await client.query("""
                SELECT count(*)::int AS n FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname = 'public' AND c.relkind = 'S' AND c.relname LIKE ANY (ARRAY['messages%', 'sigmaris\\_%'])
                  AND (has_sequence_privilege('anon', c.oid, 'USAGE') OR has_sequence_privilege('anon', c.oid, 'UPDATE'))
                """)
            #expect(try sequences[0].decode(Int.self, "n") == 0, "anon can use a Sigmaris sequence")
        }
    }

    @Test func authenticatedCannotWriteThePersonaCore() async throws {
        try await withSupabaseLikeDatabase { client in
            try await migrate(client)
            let tables = try await tables(client)
            for table in tables.subtracting(Self.routeTables) {
                for privilege in Self.writes {
                    #expect(try await has(client, "authenticated", table, privilege) == false, "authenticated has \(privilege) on \(table)")
                }
            }
            // What the /api routes need, and no more: read, write an exchange, delete their own rows
            // (session and account erase, migration 0005), and rename a session (one column).
            for table in Self.routeTables {
                for privilege in ["SELECT", "INSERT", "DELETE"] {
                    #expect(try await has(client, "authenticated", table, privilege), "authenticated lacks \(privilege) on \(table)")
                }
                for privilege in ["UPDATE", "TRUNCATE"] {
                    #expect(try await has(client, "authenticated", table, privilege) == false, "authenticated has \(privilege) on \(table)")
                }
            }
            let renamable = try await client.query(
                """
                SELECT has_column_privilege('authenticated', 'public.messages', 'session_title', 'UPDATE') AS title,
                       has_column_privilege('authenticated', 'public.messages', 'content', 'UPDATE') AS content
                """)[0]
            #expect(try renamable.decode(Bool.self, "title"))
            #expect(try renamable.decode(Bool.self, "content") == false)
            // And as the role itself, with a user's claims, as the routes run.
            let claims = #"{"sub":"00000000-0000-4000-8000-000000000009","role":"authenticated"}"#
            await #expect(throws: PostgresError.self) {
                try await client.withTransaction { connection in
                    try connection.query("SELECT set_config('request.jwt.claims', $1, true), set_config('role', 'authenticated', true)", [.text(claims)])
                    try connection.query("INSERT INTO public.sigmaris_persona_state (user_id) VALUES ('00000000-0000-4000-8000-000000000009')")
                }
            }
            try await client.withTransaction { connection in
                try connection.query("SELECT set_config('request.jwt.claims', $1, true), set_config('role', 'authenticated', true)", [.text(claims)])
                try connection.query(
                    "INSERT INTO public.messages (user_id, session_id, role, content) VALUES ('00000000-0000-4000-8000-000000000009', 's', 'user', 'hi')")
            }
        }
    }

    @Test func theGrantsSurviveApplyingEveryFileAgain() async throws {
        try await withSupabaseLikeDatabase { client in
            try await migrate(client)
            for migration in try Migration.load(from: TestDatabase.migrationsDirectory) {
                try await client.withConnection { try $0.execute(script: migration.sql) }
            }
            #expect(try await has(client, "anon", "messages", "SELECT") == false)
            #expect(try await has(client, "authenticated", "sigmaris_persona_state", "UPDATE") == false)
            #expect(try await has(client, "authenticated", "messages", "INSERT"))
        }
    }
}
