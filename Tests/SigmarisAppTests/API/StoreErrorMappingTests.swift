import Logging
import SigmarisStore
import Testing

@testable import SigmarisApp

/// The store's errors in the one error middleware: the database's faults are the 503
/// `database_unavailable` with `Retry-After: 5` they always were, whichever kind; the rest a 500.
@Suite("StoreError → HTTP")
struct StoreErrorMappingTests {
    static let logger = Logger(label: "test")

    @Test(arguments: [
        StoreError.unavailable(cause: "PostgresError(connectionFailed)"),
        StoreError.timedOut(cause: "PostgresError(statementTimedOut)"),
        StoreError.conflict(cause: "PostgresError(queryFailed, sqlstate: 40P01)"),
    ])
    func theDatabasesFaultsAre503WithRetryAfter(_ error: StoreError) {
        let answer = ErrorMiddleware<SigmarisRequestContext>.map(error, logger: Self.logger)
        #expect(answer == .databaseUnavailable)
        #expect(answer.status == .serviceUnavailable)
        #expect(answer.reason == "database_unavailable")
        #expect(answer.headers[.retryAfter] == "5")
    }

    @Test(arguments: [
        StoreError.failed(cause: "PostgresError(queryFailed, sqlstate: 23505)"),
        StoreError.turnConflict(userID: "u"),
    ])
    func everyOtherStoreErrorIsA500(_ error: StoreError) {
        #expect(ErrorMiddleware<SigmarisRequestContext>.map(error, logger: Self.logger) == .internalError)
    }
}
