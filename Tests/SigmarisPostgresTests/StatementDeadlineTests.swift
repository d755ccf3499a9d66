import Testing
@testable import SigmarisPostgres

/// The client's own bound on a statement, as a pure rule: instants are given, no clock runs.
@Suite("Statement deadline")
struct StatementDeadlineTests {
    let start = ContinuousClock.now

    @Test func waitsInSlicesUntilTheTimeoutAndTheSlackThenCancelsThenGivesUp() {
        var deadline = StatementDeadline(start: start, timeout: .seconds(10))
        #expect(deadline.step(now: start, taskCancelled: false) == .wait(StatementDeadline.pollSlice))
        let cancelAt = start + .seconds(10) + StatementDeadline.serverSlack
        #expect(deadline.step(now: cancelAt - .milliseconds(20), taskCancelled: false) == .wait(.milliseconds(20)))
        #expect(deadline.step(now: cancelAt, taskCancelled: false) == .cancel(.timeout))
        // Cancelled once only; then the server has the grace to answer.
        #expect(deadline.step(now: cancelAt + .seconds(1), taskCancelled: true) == .wait(StatementDeadline.pollSlice))
        #expect(deadline.step(now: cancelAt + StatementDeadline.cancelGrace, taskCancelled: false) == .giveUp(.timeout))
    }

    @Test func aCancelledTaskCancelsAtOnceAndKeepsItsReason() {
        var deadline = StatementDeadline(start: start, timeout: .seconds(10))
        #expect(deadline.step(now: start + .seconds(2), taskCancelled: true) == .cancel(.task))
        #expect(deadline.cancelled?.reason == .task)
        let giveUp = start + .seconds(2) + StatementDeadline.cancelGrace
        #expect(deadline.step(now: giveUp - .milliseconds(1), taskCancelled: true) == .wait(.milliseconds(1)))
        #expect(deadline.step(now: giveUp, taskCancelled: true) == .giveUp(.task))
    }

    @Test func withoutATimeoutOnlyACancelledTaskEndsTheWait() {
        var deadline = StatementDeadline(start: start, timeout: nil)
        #expect(deadline.step(now: start + .seconds(86_400), taskCancelled: false) == .wait(StatementDeadline.pollSlice))
        #expect(deadline.step(now: start + .seconds(86_400), taskCancelled: true) == .cancel(.task))
    }

    @Test func transactionsSetTheirLimitsInBeginsOwnMessage() {
        #expect(TransactionStart.sql(statementTimeout: .serverDefault) == "BEGIN")
        #expect(TransactionStart.sql(statementTimeout: .after(.seconds(10)))
            == "BEGIN; SET LOCAL statement_timeout = 10000")
        #expect(TransactionStart.sql(statementTimeout: .unbounded, lockTimeout: .after(.milliseconds(1500)))
            == "BEGIN; SET LOCAL statement_timeout = 0; SET LOCAL lock_timeout = 1500")
        #expect(TransactionStart.sql(statementTimeout: .after(.seconds(1)), settings: [TransactionSetting("hnsw.ef_search", "100")])
            == "BEGIN; SET LOCAL statement_timeout = 1000; SET LOCAL hnsw.ef_search = '100'")
        #expect(TransactionSetting.isPlainWord("relaxed_order") && TransactionSetting.isPlainWord("hnsw.iterative_scan"))
        #expect(!TransactionSetting.isPlainWord("1; DROP TABLE x") && !TransactionSetting.isPlainWord("a'b") && !TransactionSetting.isPlainWord(""))
        // Never 0 (no limit) for a positive bound.
        #expect(TransactionStart.milliseconds(.microseconds(1)) == 1)
    }

    @Test func theReplayRuleRunsAgainOnlyWhatCannotHaveTakenEffect() {
        let lost = PostgresError(.connectionLost)
        // A broken connection: only if nothing was sent, or the work may be replayed.
        #expect(PostgresClient.mayRunAgain(after: lost, broke: true, nothingRan: true, replay: .ifNothingRan))
        #expect(!PostgresClient.mayRunAgain(after: lost, broke: true, nothingRan: false, replay: .ifNothingRan))
        #expect(PostgresClient.mayRunAgain(after: lost, broke: true, nothingRan: false, replay: .whenConnectionBreaks))
        // Never after COMMIT was sent, a statement that timed out, or a cancelled task.
        for code in [PostgresError.Code.commitOutcomeUnknown, .statementTimedOut, .cancelled] {
            #expect(!PostgresClient.mayRunAgain(after: PostgresError(code), broke: true, nothingRan: true, replay: .whenConnectionBreaks))
        }
        // A transaction the server rolled back on its own runs again; a statement error does not.
        let deadlock = PostgresError(.queryFailed, sqlState: "40P01")
        #expect(PostgresClient.mayRunAgain(after: deadlock, broke: false, nothingRan: false, replay: .whenConnectionBreaks))
        #expect(!PostgresClient.mayRunAgain(after: deadlock, broke: false, nothingRan: false, replay: .ifNothingRan))
        let timeout = PostgresError(.queryFailed, sqlState: "57014")
        #expect(!PostgresClient.mayRunAgain(after: timeout, broke: false, nothingRan: false, replay: .whenConnectionBreaks))
        #expect(timeout.isUnavailable && PostgresError(.statementTimedOut).isUnavailable)
    }
}
