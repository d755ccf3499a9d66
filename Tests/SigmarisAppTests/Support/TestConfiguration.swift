import Foundation
import Logging
import SigmarisApp
import SigmarisTestSupport

/// Configurations for driving the app in tests: the real test database, the local provider.
enum TestConfiguration {
    static let jwtSecret = "test-secret-for-hs256-tokens-0123456789abcdef"

    static func database() throws -> SigmarisConfiguration {
        var configuration = SigmarisConfiguration()
        configuration.databaseURL = try TestDatabase.url()
        configuration.databasePoolSize = 4
        configuration.migrationsDirectory = TestDatabase.migrationsDirectory.path
        configuration.supabaseJWTSecret = jwtSecret
        // Tests drive many turns per user quickly; the limit tests turn it back on.
        configuration.turnRateLimitPerMinute = 0
        // Every test app shares one database: limits counted there would couple unrelated tests (a cap
        // of one turn in flight would count another suite's turns). LimitsAcrossInstancesTests turn it on.
        configuration.sharedLimits = false
        return configuration
    }

    /// Nothing listens on port 1, so every connection attempt fails at once.
    static func unreachableDatabase() -> SigmarisConfiguration {
        var configuration = SigmarisConfiguration()
        configuration.databaseURL = "postgresql://sigmaris:sigmaris@127.0.0.1:1/none"
        configuration.databaseConnectTimeoutSeconds = 2
        // Requests wait for a database that is down only this long (the default is 5 s).
        configuration.databasePoolTimeoutSeconds = 1
        configuration.supabaseJWTSecret = jwtSecret
        // As in `database()`: the tests of a database that is down look at the turn itself, which
        // the shared limits would refuse first (503 before any stream starts).
        configuration.sharedLimits = false
        return configuration
    }

    static var logger: Logger {
        // To .test-artifacts/test-errors.log under make test (TestLogFile), not the terminal.
        TestLogFile.logger(label: "sigmaris.test", level: .warning)
    }
}
