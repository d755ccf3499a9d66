import Foundation
import SigmarisAuth
import SigmarisCurl
import SigmarisPostgres
import SigmarisTestSupport
import Synchronization
import Testing

/// `kill -9` of a real `sigmaris serve` while turns are in flight: every turn is stored whole or not
/// at all (two `messages`, one snapshot, one episode and one `turn_count` step per turn).
@Suite("Crash safety of the server process", .enabled(if: TestDatabase.shouldRun))
struct CrashSafetyTests {
    static let secret = TestConfiguration.jwtSecret
    static let users = (0..<8).map { _ in UUID() }

    @Test func killDashNineLeavesNoPartialTurn() async throws {
        let server = try ServeProcess.start()
        defer { try? FileManager.default.removeItem(atPath: server.logPath) }
        let base = server.baseURL
        let signer = try JWTSigner(hmacSecret: Self.secret)
        let answered = Counter()

        try await withHTTPClient(requestTimeout: .seconds(30)) { http in
            guard await server.waitUntilReady(http: http) else {
                server.process.kill(SIGKILL)
                Issue.record("the server did not become ready: \(server.log)")
                return
            }
            await withTaskGroup(of: Void.self) { group in
                for user in Self.users {
                    let token = try! signer.sign(.user(id: user))
                    group.addTask {
                        // Turns until the server is gone; each answered turn counts.
                        for turn in 0..<1_000 {
                            let request = HTTPRequest(
                                method: .post, url: base + "/api/aei",
                                headers: [("Authorization", "Bearer " + token), ("Content-Type", "application/json")],
                                body: Array(#"{"text":"Tell me about the sea, turn \#(turn)."}"#.utf8))
                            guard let response = try? await http.send(request, logger: TestDatabase.logger), response.status == 200 else { return }
                            answered.increment()
                        }
                    }
                }
                // Kill the server while the turns are in flight.
                let deadline = ContinuousClock.now + .seconds(60)
                while answered.value < 40, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(5)) }
                server.process.kill(SIGKILL)
            }
        }

        #expect(answered.value >= 40, "turns were in flight when the server was killed")
        try await TestDatabase.withMigratedClient(poolSize: 1) { client in
            var stored = 0
            for user in Self.users {
                let row = try await client.query(
                    """
                    SELECT (SELECT count(*) FROM messages WHERE user_id = $1)::int AS messages,
                           (SELECT count(*) FROM sigmaris_state_snapshots WHERE user_id = $1)::int AS snapshots,
                           (SELECT count(*) FROM sigmaris_episodes WHERE user_id = $2)::int AS episodes,
                           coalesce((SELECT turn_count FROM sigmaris_persona_state WHERE user_id = $2), 0)::int AS turns
                    """, [.uuid(user), .text(user.uuidString.lowercased())])[0]
                let snapshots = try row.decode(Int.self, "snapshots")
                #expect(try row.decode(Int.self, "messages") == 2 * snapshots)
                #expect(try row.decode(Int.self, "episodes") == snapshots)
                #expect(try row.decode(Int.self, "turns") == snapshots)
                stored += snapshots
            }
            // Every answered turn was stored; a few more may have committed before their answer was sent.
            #expect(stored >= answered.value)
        }
    }
}

/// A count shared by concurrent tasks.
private final class Counter: Sendable {
    private let count = Atomic<Int>(0)
    var value: Int { count.load(ordering: .relaxed) }
    func increment() { count.add(1, ordering: .relaxed) }
}
