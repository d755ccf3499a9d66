import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import SigmarisApp
import SigmarisAuth
import SigmarisEngine
import SigmarisJSON
import SigmarisPostgres
import SigmarisTestSupport

/// Tokens and database look-ups for the API tests, which run against the real test database.
enum API {
    static let signer = try! JWTSigner(hmacSecret: TestConfiguration.jwtSecret)

    static func userToken(_ user: UUID) -> String {
        try! signer.sign(.user(id: user))
    }

    static func serviceToken() -> String {
        try! signer.sign(.service())
    }

    static func bearer(_ token: String) -> HTTPFields {
        [.authorization: "Bearer \(token)", .contentType: "application/json"]
    }

    static func body(_ json: String) -> ByteBuffer { ByteBuffer(string: json) }

    static func json(_ response: TestResponse) throws -> JSONValue {
        try JSONValue(parsing: Array(response.body.readableBytesView))
    }

    /// Rows a user has in each table the turn endpoints write.
    struct RowCounts: Equatable, CustomStringConvertible {
        var messages = 0, snapshots = 0, turns = 0, episodes = 0, personaState = 0
        var description: String { "messages \(messages) snapshots \(snapshots) turns \(turns) episodes \(episodes) state \(personaState)" }
    }

    static func rowCounts(userID: String) async throws -> RowCounts {
        try await TestDatabase.withMigratedClient(poolSize: 1) { client in
            // Ids that are not UUIDs (the core API allows them) have no rows in the uuid-keyed tables.
            let uuid = PostgresValue.uuid(UUID(uuidString: userID) ?? UUID(uuidString: "00000000-0000-0000-0000-000000000000")!)
            let row = try await client.query(
                """
                SELECT (SELECT count(*) FROM messages WHERE user_id = $2)::int AS messages,
                       (SELECT count(*) FROM sigmaris_state_snapshots WHERE user_id = $2)::int AS snapshots,
                       (SELECT count(*) FROM sigmaris_turns WHERE user_id = $1)::int AS turns,
                       (SELECT count(*) FROM sigmaris_episodes WHERE user_id = $1)::int AS episodes,
                       (SELECT count(*) FROM sigmaris_persona_state WHERE user_id = $1)::int AS state
                """, [.text(userID), uuid])[0]
            return RowCounts(
                messages: try row.decode(Int.self, "messages"), snapshots: try row.decode(Int.self, "snapshots"),
                turns: try row.decode(Int.self, "turns"), episodes: try row.decode(Int.self, "episodes"),
                personaState: try row.decode(Int.self, "state"))
        }
    }

    /// Remote-core mode: a core service on a real socket and a proxy in front of it
    /// (`SIGMARIS_CORE_URL`), both on the test database; `body` drives the proxy's router.
    static func withCoreAndProxy(_ body: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        var coreConfiguration = try TestConfiguration.database()
        coreConfiguration.port = 0
        let core = try buildApplication(configuration: coreConfiguration, logger: TestConfiguration.logger)
        try await core.test(.live) { coreClient in
            var configuration = try TestConfiguration.database()
            configuration.coreURL = URL(string: "http://127.0.0.1:\(coreClient.port!)")!
            let proxy = try buildApplication(configuration: configuration, logger: TestConfiguration.logger)
            try await proxy.test(.router) { client in try await body(client) }
        }
    }
}
