import Foundation
import HummingbirdTesting
import SigmarisApp
import SigmarisPostgres
import SigmarisTestSupport
import Synchronization
import Testing

/// What a client sees when the database holds a request up: a turn blocked on its user's state row
/// (locked by another session) ends within `DATABASE_STATEMENT_TIMEOUT` plus a few seconds, as a 503
/// `database_unavailable`; an erase racing the user's turns never answers 5xx.
@Suite("Database time limits seen through the API", .enabled(if: TestDatabase.shouldRun))
struct DatabaseTimeLimitTests {
    @Test func aTurnBlockedOnALockedStateRowIs503WithinTheStatementTimeout() async throws {
        var configuration = try TestConfiguration.database()
        configuration.databaseStatementTimeoutSeconds = 1
        let app = try buildApplication(configuration: configuration, logger: TestConfiguration.logger)
        let user = UUID()
        let holder = try await TestDatabase.migratedClient(poolSize: 1)
        try await app.test(.router) { client in
            _ = try await Sessions.turn(client, user: user, session: "s", text: "hello")

            // Another session locks the user's state row and keeps it until told.
            let holding = BlockingFlag()
            let release = BlockingFlag()
            async let held: Void = holder.withTransaction { connection in
                try connection.query(
                    "SELECT 1 FROM sigmaris_persona_state WHERE user_id = $1 FOR UPDATE", [.text(user.uuidString.lowercased())])
                holding.set()
                release.waitBlocking(upTo: .seconds(60))
            }
            while !holding.isSet { try await Task.sleep(for: .milliseconds(10)) }

            let started = ContinuousClock.now
            let answer = try await Sessions.call(client, .post, "/api/aei", user: user, body: #"{"text":"again"}"#)
            let elapsed = ContinuousClock.now - started
            release.set()
            try await held

            #expect(answer.status == .serviceUnavailable, "\(answer.text)")
            #expect(answer.json["reason"]?.stringValue == "database_unavailable")
            #expect(answer.headers[.retryAfter] != nil)
            #expect(elapsed < .seconds(1 + 10), "a hang guard: \(elapsed)")
        }
        await holder.shutdown()
        // Nothing of the blocked turn was stored.
        #expect(try await API.rowCounts(userID: user.uuidString.lowercased())
            == .init(messages: 2, snapshots: 1, turns: 2, episodes: 1, personaState: 1))
    }

    @Test func anEraseRacingTheUsersTurnsNeverAnswers5xxAndLeavesWholeTurns() async throws {
        let app = try buildApplication(configuration: try TestConfiguration.database(), logger: TestConfiguration.logger)
        let user = UUID()
        try await app.test(.router) { client in
            for round in 0..<8 {
                let statuses = try await withThrowingTaskGroup(of: (String, Int).self) { group in
                    for index in 0..<3 {
                        group.addTask {
                            let answer = try await Sessions.call(
                                client, .post, "/api/aei", user: user, body: #"{"text":"round \#(round) turn \#(index)"}"#)
                            return ("turn", Int(answer.status.code))
                        }
                    }
                    group.addTask {
                        let answer = try await Sessions.call(client, .delete, "/api/account", user: user, body: #"{"confirm":"DELETE"}"#)
                        return ("erase", Int(answer.status.code))
                    }
                    return try await group.reduce(into: [(String, Int)]()) { $0.append($1) }
                }
                for (what, status) in statuses {
                    #expect(status == 200, "round \(round): \(what) answered \(status)")
                }
                let counts = try await API.rowCounts(userID: user.uuidString.lowercased())
                #expect(counts.messages == 2 * counts.snapshots && counts.turns == counts.messages
                        && counts.episodes == counts.snapshots, "round \(round): \(counts)")
            }
        }
    }
}
