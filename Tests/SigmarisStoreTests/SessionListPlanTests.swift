import Foundation
import SigmarisPostgres
import SigmarisTestSupport
import Testing
@testable import SigmarisStore

/// The session list stays one indexed statement however many sessions a user has: the plan is
/// checked (not timed) for a user with 10,000 sessions among other users' rows.
@Suite("Session list plan", .enabled(if: TestDatabase.shouldRun))
struct SessionListPlanTests {
    @Test func tenThousandSessionsAreListedThroughTheIndex() async throws {
        let user = UUID()
        try await TestDatabase.withMigratedClient { client in
            try await client.query(
                """
                INSERT INTO messages (user_id, session_id, role, content, created_at)
                SELECT $1, 'session-' || s, r.role, 'message ' || s, now() - s * interval '1 minute'
                FROM generate_series(1, 10000) s, (VALUES ('user'), ('ai')) r(role)
                """, [.uuid(user)])
            // Other users' rows, so the user is a small part of the table as in production.
            try await client.query(
                """
                INSERT INTO messages (user_id, session_id, role, content)
                SELECT md5(u::text)::uuid, 'other-' || (g % 50), 'user', 'x' FROM generate_series(1, 200) u, generate_series(1, 100) g
                """)
            try await client.query("VACUUM (ANALYZE) messages")
            // Whether the planner prefers the index depends on how large a share of the table the user
            // holds (here half of it, in a shared test database that other tests fill too); what is
            // checked is that the statement can be answered from the index alone, with no scan of the
            // table: with sequential scans priced out, a plan that still needs one has no index path.
            let plan = try await client.withTransaction { connection in
                try connection.query("SET LOCAL enable_seqscan = off")
                try UserScope.enter(
                    claimsJSON: #"{"sub":"\#(user.uuidString.lowercased())","role":"authenticated"}"#, on: connection)
                return try connection.query("EXPLAIN " + UserRows.sessionListSQL, [.uuid(user)])
                    .map { try $0.decode(String.self, "QUERY PLAN") }.joined(separator: "\n")
            }
            print(plan)
            #expect(!plan.contains("Seq Scan"), "\(plan)")
            #expect(plan.contains("messages_user_session_created_idx"), "\(plan)")
            let count = try await client.withTransaction { connection in
                try UserScope.enter(
                    claimsJSON: #"{"sub":"\#(user.uuidString.lowercased())","role":"authenticated"}"#, on: connection)
                return try connection.query(UserRows.sessionListSQL, [.uuid(user)]).count
            }
            #expect(count == 10_000)
        }
    }

    /// Every turn copies the session's title from its newest message: one index step, no sort of
    /// the session's messages (a long session made turns slower in `make bench-scale`).
    @Test func theTitleLookupOfATurnReadsOneIndexEntry() async throws {
        let user = UUID()
        try await TestDatabase.withMigratedClient { client in
            try await client.query(
                """
                INSERT INTO messages (user_id, session_id, role, content, created_at)
                SELECT $1, 'long', r.role, 'message ' || s, now() - s * interval '1 minute'
                FROM generate_series(1, 2000) s, (VALUES ('user'), ('ai')) r(role)
                """, [.uuid(user)])
            try await client.query("VACUUM (ANALYZE) messages")
            let lookup = "SELECT session_title FROM public.messages WHERE user_id = $1 AND session_id = $2\n"
                + "ORDER BY created_at DESC, id DESC LIMIT 1 FOR SHARE"
            #expect(
                ChatStore.insertExchangeSQL.contains("ORDER BY created_at DESC, id DESC LIMIT 1 FOR SHARE"),
                "the checked statement is the one a turn runs")
            let plan = try await client.query("EXPLAIN " + lookup, [.uuid(user), .text("long")])
                .map { try $0.decode(String.self, "QUERY PLAN") }.joined(separator: "\n")
            #expect(!plan.contains("Sort"), "\(plan)")
            #expect(plan.contains("Index Scan Backward using messages_user_session_created_idx"), "\(plan)")
        }
    }
}
