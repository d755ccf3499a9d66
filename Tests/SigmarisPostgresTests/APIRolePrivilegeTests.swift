import Foundation
import SigmarisTestSupport
import Testing
@testable import SigmarisPostgres

/// The migrations on a database set up like a Supabase project (scripts/supabase-defaults.sql: the API
/// roles, PostgREST's `authenticator` login, and default privileges that hand the API roles ALL on
/// every new object of `public`). No role PostgREST can assume may write a Sigmaris object
/// (sql/0009_service_role_sigmaris_api.sql); the service writes users' rows as `sigmaris_api`.
@Suite("API role privileges on a Supabase-like database", .enabled(if: TestDatabase.shouldRun))
struct APIRolePrivilegeTests {
    static let supabaseDefaults = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("scripts/supabase-defaults.sql")

    /// The roles PostgREST switches to (anyone with the anon key, or with their own JWT), and PUBLIC.
    static let exposedRoles = ["anon", "authenticated", "public"]
    /// What a Supabase frontend may still read with its own JWT (its own rows, under RLS).
    static let readableByAuthenticated: Set<String> = ["messages", "sigmaris_state_snapshots"]
    static let tablePrivileges = ["SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER"]

    static let user = "00000000-0000-4000-8000-000000000009"
    static let otherUser = "00000000-0000-4000-8000-00000000000a"
    static func claims(_ sub: String) -> String { #"{"sub":"\#(sub)","role":"authenticated"}"# }

    /// A database of its own (default privileges are per database), dropped afterwards.
    private func withSupabaseLikeDatabase(migrated: Bool = true, _ body: (PostgresClient, _ url: String) async throws -> Void) async throws {
        let script = try String(contentsOf: Self.supabaseDefaults, encoding: .utf8)
        try await TestDatabase.withFreshDatabase(prefix: "sigmaris_privileges") { client in
            try await client.withConnection { try $0.execute(script: script) }
            if migrated {
                try await MigrationRunner(client: client, logger: TestDatabase.logger)
                    .migrate(try Migration.load(from: TestDatabase.migrationsDirectory))
            }
            let url = try await client.query("SELECT current_database() AS name")[0].decode(String.self, "name")
            var components = URLComponents(string: try TestDatabase.url())!
            components.path = "/\(url)"
            try await body(client, components.string!)
        }
    }

    /// A client logged in as PostgREST is: `authenticator`, which may switch to the API roles.
    private func withAuthenticator(_ databaseURL: String, _ body: (PostgresClient) async throws -> Void) async throws {
        var components = URLComponents(string: databaseURL)!
        components.user = "authenticator"
        components.password = "authenticator"
        let client = PostgresClient(configuration: .init(connectionString: components.string!, poolSize: 1), logger: TestDatabase.logger)
        do {
            try await body(client)
        } catch {
            await client.shutdown()
            throw error
        }
        await client.shutdown()
    }

    private func objects(_ client: PostgresClient, kinds: String) async throws -> [String] {
        let rows = try await client.query("""
            SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'public' AND c.relkind = ANY (string_to_array($1, ','))
              AND (c.relname LIKE 'sigmaris\\_%' OR c.relname IN ('messages', 'messages_id_seq'))
            ORDER BY 1
            """, [.text(kinds)])
        return try rows.map { try $0.decode(String.self, "name") }
    }

    private func has(_ client: PostgresClient, _ role: String, _ table: String, _ privilege: String) async throws -> Bool {
        let rows = try await client.query("SELECT has_table_privilege($1, $2, $3) AS granted", [.text(role), .text("public." + table), .text(privilege)])
        return try rows[0].decode(Bool.self, "granted")
    }

    @Test func theTestDatabaseHandsOutWhatSupabaseDoes() async throws {
        try await withSupabaseLikeDatabase(migrated: false) { client, _ in
            try await client.query("CREATE TABLE public.probe (id int)")
            #expect(try await has(client, "anon", "probe", "INSERT"), "the default privileges are not in force: the other tests prove nothing")
            #expect(try await has(client, "authenticated", "probe", "INSERT"))
        }
    }

    @Test func noRolePostgRESTCanAssumeMayWriteASigmarisObject() async throws {
        try await withSupabaseLikeDatabase { client, _ in
            let tables = try await objects(client, kinds: "r,p,v,m")
            #expect(Set(tables).isSuperset(of: ["messages", "sigmaris_state_snapshots", "sigmaris_persona_state", "sigmaris_turn_audit",
                                                "sigmaris_turns_v", "sigmaris_operator_actions", "sigmaris_schema_migrations"]))
            for role in Self.exposedRoles {
                for table in tables {
                    for privilege in Self.tablePrivileges {
                        let allowed = privilege == "SELECT" && role == "authenticated" && Self.readableByAuthenticated.contains(table)
                        #expect(try await has(client, role, table, privilege) == allowed, "\(role) has \(privilege) on \(table): \(!allowed)")
                    }
                }
                // No column grant either (a column UPDATE once let users rename sessions directly).
                let columns = try await client.query("""
                    SELECT count(*)::int AS n FROM information_schema.column_privileges
                    WHERE table_schema = 'public' AND grantee = $1 AND privilege_type <> 'SELECT'
                      AND (table_name LIKE 'sigmaris\\_%' OR table_name = 'messages')
                    """, [.text(role == "public" ? "PUBLIC" : role)])
                #expect(try columns[0].decode(Int.self, "n") == 0, "\(role) holds a column write grant")
                let sequences = try await client.query("""
                    SELECT string_agg(c.relname, ', ') AS names FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                    WHERE n.nspname = 'public' AND c.relkind = 'S' AND (c.relname LIKE 'sigmaris\\_%' OR c.relname = 'messages_id_seq')
                      AND (has_sequence_privilege($1, c.oid, 'USAGE') OR has_sequence_privilege($1, c.oid, 'UPDATE')
                           OR has_sequence_privilege($1, c.oid, 'SELECT'))
                    """, [.text(role)])
                #expect(try sequences[0].decode(String?.self, "names") == nil, "\(role) may use a Sigmaris sequence")
                let functions = try await client.query("""
                    SELECT string_agg(p.proname, ', ') AS names FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                    WHERE n.nspname = 'public' AND p.proname LIKE 'sigmaris\\_%' AND has_function_privilege($1, p.oid, 'EXECUTE')
                    """, [.text(role)])
                #expect(try functions[0].decode(String?.self, "names") == nil, "\(role) may execute a Sigmaris function")
            }
        }
    }

    @Test func everySigmarisTableHasRowLevelSecurity() async throws {
        try await withSupabaseLikeDatabase { client, _ in
            let rows = try await client.query("""
                SELECT string_agg(c.relname, ', ') AS names FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relrowsecurity
                  AND (c.relname LIKE 'sigmaris\\_%' OR c.relname = 'messages')
                """)
            #expect(try rows[0].decode(String?.self, "names") == nil, "tables without row-level security")
        }
    }

    /// What issue #21 found: a signed-in user going to PostgREST directly inserted a row whose id ran
    /// ahead of the sequence, and every later turn of every user failed on a unique violation.
    @Test func postgRESTActingForAUserCanReadButNotWrite() async throws {
        try await withSupabaseLikeDatabase { client, databaseURL in
            // A row of the user, written the way the service writes it.
            try await client.withTransaction { connection in
                try connection.query("SELECT set_config('request.jwt.claims', $1, true), set_config('role', 'sigmaris_api', true)", [.text(Self.claims(Self.user))])
                try connection.query("INSERT INTO public.messages (user_id, session_id, role, content) VALUES ($1::uuid, 's', 'user', 'hi')", [.text(Self.user)])
            }
            try await withAuthenticator(databaseURL) { postgrest in
                func asUser(_ sql: String) async throws {
                    try await postgrest.withTransaction { connection in
                        try connection.query("SET LOCAL ROLE authenticated")
                        try connection.query("SELECT set_config('request.jwt.claims', $1, true)", [.text(Self.claims(Self.user))])
                        try connection.query(sql)
                    }
                }
                let refused = [
                    "INSERT INTO public.messages (id, user_id, session_id, role, content) VALUES (1000000, '\(Self.user)', 's', 'user', 'x')",
                    "INSERT INTO public.sigmaris_state_snapshots (id, user_id, session_id) VALUES (1000000, '\(Self.user)', 's')",
                    "UPDATE public.messages SET session_title = 'mine' WHERE user_id = '\(Self.user)'",
                    "DELETE FROM public.messages WHERE user_id = '\(Self.user)'",
                    "SELECT setval('public.messages_id_seq', 1000000)",
                    "SELECT nextval('public.sigmaris_state_snapshots_id_seq')",
                    "INSERT INTO public.sigmaris_persona_state (user_id) VALUES ('\(Self.user)')",
                    "SELECT public.sigmaris_request_user_id()",
                ]
                for sql in refused {
                    await #expect(throws: PostgresError.self, "PostgREST could run: \(sql)") { try await asUser(sql) }
                }
                // Its own rows stay readable, and only those.
                let seen = try await postgrest.withTransaction { connection in
                    try connection.query("SET LOCAL ROLE authenticated")
                    try connection.query("SELECT set_config('request.jwt.claims', $1, true)", [.text(Self.claims(Self.otherUser))])
                    return try connection.query("SELECT count(*)::int AS n FROM public.messages")[0].decode(Int.self, "n")
                }
                #expect(seen == 0)
                try await asUser("SELECT count(*) FROM public.messages")
                // The service's role is not PostgREST's to take.
                await #expect(throws: PostgresError.self) {
                    try await postgrest.withTransaction { try $0.query("SET LOCAL ROLE sigmaris_api") }
                }
            }
            // The sequence did not move: the next row of the service gets the next id.
            try await client.withTransaction { connection in
                try connection.query("SELECT set_config('request.jwt.claims', $1, true), set_config('role', 'sigmaris_api', true)", [.text(Self.claims(Self.user))])
                try connection.query("INSERT INTO public.messages (user_id, session_id, role, content) VALUES ($1::uuid, 's', 'ai', 'ho')", [.text(Self.user)])
            }
            #expect(try await client.query("SELECT max(id)::int AS id FROM public.messages")[0].decode(Int.self, "id") == 2)
        }
    }

    @Test func theServiceRoleWritesOnlyTheClaimedUsersRows() async throws {
        try await withSupabaseLikeDatabase { client, _ in
            func asService(claiming sub: String, _ sql: String) async throws {
                try await client.withTransaction { connection in
                    try connection.query("SELECT set_config('request.jwt.claims', $1, true), set_config('role', 'sigmaris_api', true)", [.text(Self.claims(sub))])
                    try connection.query(sql)
                }
            }
            try await asService(claiming: Self.user, "INSERT INTO public.messages (user_id, session_id, role, content) VALUES ('\(Self.user)', 's', 'user', 'hi')")
            try await asService(claiming: Self.user, "UPDATE public.messages SET session_title = 'mine' WHERE user_id = '\(Self.user)'")
            await #expect(throws: PostgresError.self, "row-level security let one user write another's row") {
                try await asService(claiming: Self.user, "INSERT INTO public.messages (user_id, session_id, role, content) VALUES ('\(Self.otherUser)', 's', 'user', 'x')")
            }
            await #expect(throws: PostgresError.self, "sigmaris_api may change a message's text") {
                try await asService(claiming: Self.user, "UPDATE public.messages SET content = 'changed'")
            }
            await #expect(throws: PostgresError.self, "sigmaris_api may write the persona core") {
                try await asService(claiming: Self.user, "INSERT INTO public.sigmaris_persona_state (user_id) VALUES ('\(Self.user)')")
            }
        }
    }

    @Test func theGrantsSurviveApplyingEveryFileAgain() async throws {
        try await withSupabaseLikeDatabase { client, _ in
            for migration in try Migration.load(from: TestDatabase.migrationsDirectory) {
                try await client.withConnection { try $0.execute(script: migration.sql) }
            }
            #expect(try await has(client, "anon", "messages", "SELECT") == false)
            #expect(try await has(client, "authenticated", "messages", "INSERT") == false)
            #expect(try await has(client, "authenticated", "sigmaris_persona_state", "UPDATE") == false)
            #expect(try await has(client, "authenticated", "messages", "SELECT"))
            #expect(try await has(client, "sigmaris_api", "messages", "INSERT"))
        }
    }

    /// An existing database, migrated before 0009 by the old rules: its rows stay, and the grants
    /// that let PostgREST write are gone afterwards.
    @Test func theMigrationIsSafeOnADatabaseMigratedTheOldWay() async throws {
        try await withSupabaseLikeDatabase(migrated: false) { client, _ in
            let migrations = try Migration.load(from: TestDatabase.migrationsDirectory)
            let runner = MigrationRunner(client: client, logger: TestDatabase.logger)
            try await runner.migrate(migrations.filter { $0.version < 9 })
            #expect(try await has(client, "authenticated", "messages", "INSERT"), "the old rules are not in force: the test proves nothing")
            try await client.withTransaction { connection in
                try connection.query("SELECT set_config('request.jwt.claims', $1, true), set_config('role', 'authenticated', true)", [.text(Self.claims(Self.user))])
                try connection.query("INSERT INTO public.messages (user_id, session_id, role, content) VALUES ($1::uuid, 's', 'user', 'kept')", [.text(Self.user)])
            }
            try await runner.migrate(migrations)
            #expect(try await has(client, "authenticated", "messages", "INSERT") == false)
            #expect(try await client.query("SELECT content FROM public.messages")[0].decode(String.self, "content") == "kept")
        }
    }
}
