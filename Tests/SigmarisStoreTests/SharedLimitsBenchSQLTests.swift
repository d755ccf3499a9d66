import Foundation
import Testing
@testable import SigmarisStore

/// `scripts/bench/shared-limits.pgbench` measures what the limits shared across instances cost a
/// turn; it is only that while it sends the store's statements, in a turn's order (the helpers are
/// `BenchSQLDriftTests`').
@Suite("The shared limits' pgbench script sends the store's SQL")
struct SharedLimitsBenchSQLTests {
    static let script = BenchSQLDriftTests.script.deletingLastPathComponent().appendingPathComponent("shared-limits.pgbench")

    @Test func theScriptSendsTheStoresStatementsInATurnsOrder() throws {
        let commands = BenchSQLDriftTests.sqlCommands(try String(contentsOf: Self.script, encoding: .utf8))
        let user = "'bench-' || :u"
        let expected = [
            BenchSQLDriftTests.bench(SigmarisStore.takeTurnTokenSQL, [user, "1000000"]),
            BenchSQLDriftTests.bench(SigmarisStore.takeWorkLeaseSQL, ["'turn'", user, ":holder", "256", "9", "30"]),
            BenchSQLDriftTests.bench(SigmarisStore.releaseWorkLeaseSQL, [":lease_id"]),
        ]
        #expect(commands == expected)
        #expect(BenchSQLDriftTests.parameterCount(SigmarisStore.takeTurnTokenSQL) == 2)
        #expect(BenchSQLDriftTests.parameterCount(SigmarisStore.takeWorkLeaseSQL) == 6)
    }
}
