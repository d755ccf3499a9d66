import Foundation
import HummingbirdTesting
import SigmarisApp
import SigmarisEngine
import SigmarisPostgres
import SigmarisTestSupport
import Testing

/// Turns of one user never lose an update: N concurrent turns, in one process and across two
/// processes (two independent apps with their own pools and locks) on one database, leave exactly N
/// snapshots, a turn count of N, and the same state as N sequential turns.
@Suite("Concurrent turns of one user", .enabled(if: TestDatabase.shouldRun))
struct ConcurrencyTests {
    static let message = "I feel a bit tired today, can you help me think?"

    static func turn(_ client: some TestClientProtocol, user: UUID) async throws {
        try await client.execute(
            uri: "/api/aei", method: .post, headers: API.bearer(API.userToken(user)),
            body: API.body(#"{"text":"\#(message)"}"#)
        ) { response in
            #expect(response.status == .ok)
        }
    }

    static func state(of user: UUID) async throws -> (value: String, trait: String, global: String?, turns: Int) {
        try await TestDatabase.withMigratedClient(poolSize: 1) { client in
            let row = try await client.query(
                "SELECT value_state::text AS v, trait_state::text AS t, global_state, turn_count FROM sigmaris_persona_state WHERE user_id = $1",
                [.text(user.uuidString.lowercased())])[0]
            return (try row.decode(String.self, "v"), try row.decode(String.self, "t"),
                    try row.decode(String?.self, "global_state"), try row.decode(Int.self, "turn_count"))
        }
    }

    @Test func concurrentTurnsInOneAndTwoProcessesLoseNothing() async throws {
        let n = 8
        let sequentialUser = UUID(), oneProcessUser = UUID(), twoProcessUser = UUID()
        let first = try buildApplication(configuration: try TestConfiguration.database(), logger: TestConfiguration.logger)
        let second = try buildApplication(configuration: try TestConfiguration.database(), logger: TestConfiguration.logger)
        try await first.test(.router) { a in
            try await second.test(.router) { b in
                for _ in 0..<n { try await Self.turn(a, user: sequentialUser) }
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for _ in 0..<n { group.addTask { try await Self.turn(a, user: oneProcessUser) } }
                    try await group.waitForAll()
                }
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for i in 0..<n {
                        if i.isMultiple(of: 2) {
                            group.addTask { try await Self.turn(a, user: twoProcessUser) }
                        } else {
                            group.addTask { try await Self.turn(b, user: twoProcessUser) }
                        }
                    }
                    try await group.waitForAll()
                }
            }
        }
        let expected = try await Self.state(of: sequentialUser)
        #expect(expected.turns == n)
        for user in [oneProcessUser, twoProcessUser] {
            let counts = try await API.rowCounts(userID: user.uuidString.lowercased())
            #expect(counts == .init(messages: 2 * n, snapshots: n, turns: 2 * n, episodes: n, personaState: 1))
            let state = try await Self.state(of: user)
            #expect(state.turns == n)
            #expect(state.value == expected.value)
            #expect(state.trait == expected.trait)
            #expect(state.global == expected.global)
        }
    }
}
