import Foundation
import SigmarisTestSupport
import Synchronization
import Testing
@testable import SigmarisPostgres

/// Work that runs again after its connection broke waits for its next connection only until the
/// deadline its first lease had (issue #22: each retry used to wait anew, so a request could wait a
/// multiple of `DATABASE_POOL_TIMEOUT`).
@Suite("One lease deadline across retries", .enabled(if: TestDatabase.shouldRun))
struct LeaseDeadlineAcrossRetriesTests {
    @Test func aRetryWaitsOnlyUntilTheFirstLeasesDeadline() async throws {
        // One connection; a lease may wait 4 s. The work's connection breaks 2 s in (it ends its own
        // session); by then another request waits for the pool and takes the freed place, holding it
        // until 6 s. The retry's wait ends at the work's first deadline, 4 s: the work fails. With a
        // fresh wait per attempt it would wait until 2 + 4 = 6 s, get the connection then, and succeed.
        let client = PostgresClient(
            configuration: .init(connectionString: try TestDatabase.url(), poolSize: 1, leaseTimeout: .seconds(4)),
            logger: TestDatabase.logger)
        let workStarted = BlockingFlag()
        let attempts = Atomic<Int>(0)
        let start = ContinuousClock.now

        async let work: Result<String, any Error> = Result(catchingAsync: {
            try await client.withConnection(replay: .whenConnectionBreaks) { connection in
                if attempts.add(1, ordering: .relaxed).newValue == 1 {
                    workStarted.set()
                    usleep(2_000_000)
                    _ = try connection.query("SELECT pg_terminate_backend(pg_backend_pid())")
                }
                return "ran"
            }
        })
        // The other request asks once the work holds the only connection, so it is the first waiter.
        while !workStarted.isSet { try await Task.sleep(for: .milliseconds(5)) }
        async let holder: Void = client.withConnection { _ in
            let releaseAt = start + .seconds(6)
            let left = releaseAt - ContinuousClock.now
            if left > .zero { usleep(UInt32(left / .microseconds(1))) }
        }

        let outcome = await work
        try await holder
        await client.shutdown()

        switch outcome {
        case .success:
            Issue.record("the retry waited past the first lease's deadline and got the connection")
        case .failure(let error):
            #expect((error as? PostgresError)?.code == .leaseTimedOut, "\(error)")
        }
        #expect(attempts.load(ordering: .relaxed) == 1, "the retry got a connection")
    }
}

private extension Result where Failure == any Error {
    init(catchingAsync body: () async throws -> Success) async {
        do { self = .success(try await body()) } catch { self = .failure(error) }
    }
}
