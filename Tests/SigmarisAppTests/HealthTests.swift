import Foundation
import HummingbirdTesting
import SigmarisApp
import SigmarisTestSupport
import Testing

@Suite("Health endpoints")
struct HealthTests {
    @Test(.enabled(if: TestDatabase.shouldRun))
    func readyWhenTheDatabaseAnswers() async throws {
        let app = try buildApplication(configuration: try TestConfiguration.database(), logger: TestConfiguration.logger)
        try await app.test(.router) { client in
            try await client.execute(uri: "/healthz", method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body) == #"{"status":"ok"}"#)
            }
            try await client.execute(uri: "/readyz", method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body).contains(#""database":"ok""#))
                // Which archive search recall uses (issue #23): the test database has full text search, no pgvector.
                #expect(String(buffer: response.body).contains(#""memory_search":"full_text""#))
            }
        }
    }

    @Test func liveButNotReadyWhenTheDatabaseIsDown() async throws {
        let app = try buildApplication(
            configuration: TestConfiguration.unreachableDatabase(), logger: TestConfiguration.logger, runMigrations: false)
        try await app.test(.router) { client in
            try await client.execute(uri: "/healthz", method: .get) { response in
                #expect(response.status == .ok)
            }
            try await client.execute(uri: "/readyz", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(response.headers[.retryAfter] == "5")
                #expect(response.headers[.contentType]?.hasPrefix("application/json") == true)
            }
        }
    }

    @Test func unknownRoutesAnswerJSON404() async throws {
        let app = try buildApplication(
            configuration: TestConfiguration.unreachableDatabase(), logger: TestConfiguration.logger, runMigrations: false)
        try await app.test(.router) { client in
            try await client.execute(uri: "/no-such-route", method: .get) { response in
                #expect(response.status == .notFound)
                #expect(String(buffer: response.body).contains(#""error""#))
            }
        }
    }

    /// A real socket: the server binds, migrates before accepting connections, and answers.
    @Test(.enabled(if: TestDatabase.shouldRun))
    func servesOverARealSocket() async throws {
        var configuration = try TestConfiguration.database()
        configuration.port = 0
        let app = try buildApplication(configuration: configuration, logger: TestConfiguration.logger)
        try await app.test(.live) { client in
            try await client.execute(uri: "/readyz", method: .get) { response in
                #expect(response.status == .ok)
            }
        }
    }
}
