import Foundation
import Logging
import SigmarisEngine
import SigmarisPostgres
import SigmarisTestSupport
import Testing
@testable import SigmarisStore

/// No adapter error leaves the store: each becomes a `StoreError` at its boundary, sorted the way
/// the application answers them, with a description that keeps the adapter's redaction.
@Suite("StoreError at the store's boundary")
struct StoreErrorTests {
    /// Every kind of `PostgresError`, and what it becomes.
    @Test(arguments: [
        (PostgresError(.connectionFailed), "unavailable"),
        (PostgresError(.connectionLost), "unavailable"),
        (PostgresError(.clientClosed), "unavailable"),
        (PostgresError(.leaseTimedOut), "unavailable"),
        (PostgresError(.commitOutcomeUnknown), "unavailable"),
        (PostgresError(.queryFailed, sqlState: "08006"), "unavailable"),
        (PostgresError(.queryFailed, sqlState: "57P01"), "unavailable"),
        (PostgresError(.queryFailed, sqlState: "53300"), "unavailable"),
        (PostgresError(.statementTimedOut), "timedOut"),
        (PostgresError(.queryFailed, sqlState: "57014"), "timedOut"),
        (PostgresError(.queryFailed, sqlState: "55P03"), "timedOut"),
        (PostgresError(.queryFailed, sqlState: "40P01"), "conflict"),
        (PostgresError(.queryFailed, sqlState: "40001"), "conflict"),
        (PostgresError(.queryFailed, sqlState: "23505"), "failed"),
        (PostgresError(.queryFailed, sqlState: "22P02"), "failed"),
        (PostgresError(.queryFailed), "failed"),
        (PostgresError(.decodingFailed, column: "c"), "failed"),
        (PostgresError(.migrationFailed, detail: "0001_x.sql"), "failed"),
    ])
    func eachAdapterErrorHasItsKind(_ error: PostgresError, _ kind: String) {
        let translated = StoreError(error)
        let actual = switch translated {
        case .unavailable: "unavailable"
        case .timedOut: "timedOut"
        case .conflict: "conflict"
        case .failed: "failed"
        case .turnConflict: "turnConflict"
        }
        #expect(actual == kind, "\(error)")
        // The same line as before between "the database's fault" (a 503) and "the service's" (a 500).
        #expect(translated.isUnavailable == error.isUnavailable, "\(error)")
        #expect(translated.description.contains(error.description))
    }

    /// The server's message text is never part of the description (it can echo a value).
    @Test func theServersMessageStaysOutOfTheDescription() {
        let error = PostgresError(.queryFailed, sqlState: "22P02", serverMessage: #"invalid input syntax: "secret-value""#)
        #expect(!StoreError(error).description.contains("secret-value"))
    }

    /// A store whose database cannot be reached: `unavailable`, and the password of the connection
    /// string is nowhere in the error.
    @Test func anUnreachableDatabaseIsUnavailableAndItsPasswordStaysOut() async throws {
        let port = try ReservedPort()
        let password = "pw-marker-\(UUID().uuidString)"
        let client = PostgresClient(
            configuration: PostgresConfiguration(
                connectionString: "postgresql://sigmaris:\(password)@127.0.0.1:\(port.port)/sigmaris",
                poolSize: 1, connectTimeoutSeconds: 2, leaseTimeout: .seconds(5)),
            logger: Logger(label: "test"))
        let store = SigmarisStore(database: client)
        do {
            _ = try await store.loadMemory(userID: "u_unreachable")
            Issue.record("the load succeeded")
        } catch let error as StoreError {
            guard case .unavailable = error else { Issue.record("\(error)"); return }
            #expect(!"\(error)".contains(password))
            #expect(!String(reflecting: error).contains(password))
        }
        await client.shutdown()
    }

    /// A statement the server rejects with the offending value in its message (claims that are not
    /// JSON, parsed by the row-level security policy): `failed`, without the value.
    @Test(.enabled(if: TestDatabase.shouldRun))
    func aRejectedStatementFailsWithoutTheValueItRejected() async throws {
        try await TestDatabase.withMigratedClient(poolSize: 1) { client in
            let marker = "claims-marker-\(UUID().uuidString.prefix(8))"
            let user = StoreUser(id: UUID(), claimsJSON: "{\(marker)")
            let rows = SigmarisStore(database: client).rows(of: user)
            do {
                try await rows.insert(ChatRecord(user: user, sessionID: "s", message: "hello"), reply: "hi", meta: [:])
                Issue.record("the insert succeeded")
            } catch let error as StoreError {
                guard case .failed = error else { Issue.record("\(error)"); return }
                #expect("\(error)".contains("22P02"), "\(error)")
                #expect(!"\(error)".contains(marker))
                #expect(!String(reflecting: error).contains(marker))
            }
        }
    }

    /// A store call blocked on a row another session holds: `timedOut` within the statement timeout.
    @Test(.enabled(if: TestDatabase.shouldRun))
    func aStatementPastItsTimeLimitTimesOut() async throws {
        try await TestDatabase.withMigratedClient(poolSize: 1) { holder in
            let userID = "u_timeout_\(UUID().uuidString.prefix(8))"
            let engine = PersonaEngine(provider: LocalProvider(), anchors: SafetyAnchorCache())
            let store = SigmarisStore(database: holder)
            let turn = try await engine.runTurn(TurnRequest(userID: userID, message: "hello"), state: .initial, recentEpisodes: [], context: .random())
            try await store.commitTurn(turn, userID: userID, previousTurnCount: 0, controlVersion: 0, tracing: false, chat: nil)

            let limited = PostgresClient(
                configuration: PostgresConfiguration(connectionString: try TestDatabase.url(), poolSize: 1, statementTimeout: .seconds(1)),
                logger: TestDatabase.logger)
            let holding = BlockingFlag()
            let release = BlockingFlag()
            async let held: Void = holder.withTransaction { connection in
                try connection.query("SELECT 1 FROM sigmaris_persona_state WHERE user_id = $1 FOR UPDATE", [.text(userID)])
                holding.set()
                release.waitBlocking(upTo: .seconds(60))
            }
            while !holding.isSet { try await Task.sleep(for: .milliseconds(10)) }
            await #expect {
                _ = try await SigmarisStore(database: limited).applyOperatorAction(.silence, userID: userID, operatorName: "service", reason: "t")
            } throws: { error in
                guard case .timedOut = error as? StoreError else { return false }
                return true
            }
            release.set()
            try await held
            await limited.shutdown()
        }
    }
}
