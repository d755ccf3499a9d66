import Foundation

/// The two Postgres servers `make test` starts for the memory and migration tests: Debian's
/// PostgreSQL 15, without pgvector (the text search), and PostgreSQL 18 with pgvector
/// (`scripts/pgvector.sh`; the embedding search). Tests that must hold on both take this as their
/// argument (`@Test(arguments: TestPostgres.allCases)`).
public enum TestPostgres: String, Sendable, CaseIterable, CustomStringConvertible {
    case debian
    case pgvector

    public var description: String { rawValue }

    var variable: String {
        switch self {
        case .debian: "SIGMARIS_TEST_DATABASE_URL"
        case .pgvector: "SIGMARIS_TEST_PGVECTOR_URL"
        }
    }

    /// The server's URL; nil when it is not configured on a developer's machine (the test then
    /// checks nothing on it), and `TestDatabase.Missing` when `CI` is set, so a broken set-up fails.
    public func url() throws -> String? {
        if let url = ProcessInfo.processInfo.environment[variable], !url.isEmpty { return url }
        if let ci = ProcessInfo.processInfo.environment["CI"], !ci.isEmpty { throw TestDatabase.Missing(variable: variable) }
        return nil
    }
}
