import Foundation
import SigmarisPostgres
import SigmarisTestSupport
import Testing
@testable import SigmarisStore

/// `GET /persona/overview`'s counts on a database with many users. The shared test database holds
/// other tests' rows (written while this runs), so everything happens in one REPEATABLE READ
/// transaction that is rolled back: the overview before and after this test's own rows differs by
/// exactly those rows, whatever else the database holds.
@Suite("Operator overview", .enabled(if: TestDatabase.shouldRun))
struct OperatorOverviewTests {
    static let users = 21_000

    @Test func countsUsersPerStateTheUsersNeedingAttentionAndTurnsPerStatePerHour() async throws {
        try await TestDatabase.withMigratedClient(poolSize: 1) { client in
            let prefix = "op_overview_\(UUID().uuidString.prefix(8))_"
            try await client.withConnection { connection in
                try connection.query("BEGIN ISOLATION LEVEL REPEATABLE READ")
                defer { _ = try? connection.query("ROLLBACK") }
                let before = try OperatorOverviewStore.overview(on: connection)

                // User n: state by n % 10 (0-5 NORMAL, 6 REFLECTIVE, 7 OVERLOADED, 8 SAFETY_LOCK,
                // 9 SILENT); every 50th (all NORMAL) is held. One assistant turn per user, in hour
                // n % 30 before the current one (half past), so hours 0...23 count and 24...29 do not;
                // the turn's state goes by n's parity, which is the hour's parity.
                try connection.query(
                    """
                    INSERT INTO public.sigmaris_persona_state (user_id, global_state, turn_count, silenced)
                    SELECT $1 || n,
                           CASE n % 10 WHEN 6 THEN 'REFLECTIVE' WHEN 7 THEN 'OVERLOADED' WHEN 8 THEN 'SAFETY_LOCK'
                                       WHEN 9 THEN 'SILENT' ELSE 'NORMAL' END,
                           1, n % 50 = 0
                    FROM generate_series(1, $2) AS n
                    """, [.text(prefix), .int(Self.users)])
                try connection.query(
                    """
                    INSERT INTO public.sigmaris_turns (trace_id, user_id, role, content, global_state, created_at)
                    SELECT 't' || n, $1 || n, 'assistant', '', CASE WHEN n % 2 = 0 THEN 'NORMAL' ELSE 'REFLECTIVE' END,
                           date_trunc('hour', now()) - make_interval(hours => (n % 30)::int) + interval '30 minutes'
                    FROM generate_series(1, $2) AS n
                    """, [.text(prefix), .int(Self.users)])
                let after = try OperatorOverviewStore.overview(on: connection)

                // Users per state.
                func users(_ overview: OperatorOverview) -> [String: Int] {
                    Dictionary(uniqueKeysWithValues: overview.usersByState.map { ($0.globalState ?? "null", $0.users) })
                }
                let tenth = Self.users / 10
                let expected = ["NORMAL": 6 * tenth, "REFLECTIVE": tenth, "OVERLOADED": tenth, "SAFETY_LOCK": tenth, "SILENT": tenth]
                for (state, count) in expected {
                    #expect((users(after)[state] ?? 0) - (users(before)[state] ?? 0) == count, "\(state)")
                }
                func held(_ overview: OperatorOverview) -> Int { overview.usersByState.reduce(0) { $0 + $1.held } }
                #expect(held(after) - held(before) == Self.users / 50)

                // Attention, by user id up to the limit: the locked and the held users of this test
                // (2,520) after whichever other users sort before them.
                let mine = after.attention.filter { $0.userID.hasPrefix(prefix) }
                let othersFirst = before.attention.filter { $0.userID < prefix }.count
                #expect(mine.count == min(tenth + Self.users / 50, max(0, OperatorOverviewStore.attentionLimit - othersFirst)))
                #expect(mine.allSatisfy { $0.silenced || $0.globalState == "SAFETY_LOCK" })

                // Turns per hour: 24 hours counted, each with users/30 turns of one state.
                func turns(_ overview: OperatorOverview) -> [String: Int] {
                    Dictionary(uniqueKeysWithValues: overview.turnsPerHour.map { ("\($0.hour) \($0.globalState)", $0.turns) })
                }
                let (turnsBefore, turnsAfter) = (turns(before), turns(after))
                let added = turnsAfter.map { ($0.key, $0.value - (turnsBefore[$0.key] ?? 0)) }.filter { $0.1 != 0 }
                #expect(Set(after.turnsPerHour.map(\.hour)).count <= 24)
                #expect(added.reduce(0) { $0 + $1.1 } == 24 * Self.users / 30)
                #expect(Set(added.map { $0.0.split(separator: " ")[0] }).count == 24)
                #expect(added.count == 24)
                #expect(added.allSatisfy { $0.1 == Self.users / 30 }, "\(added.sorted { $0.0 < $1.0 })")
            }
        }
    }
}
