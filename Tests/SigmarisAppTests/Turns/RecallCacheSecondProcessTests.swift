import Foundation
import SigmarisAuth
import SigmarisCurl
import SigmarisEngine
import SigmarisPostgres
@testable import SigmarisStore
import SigmarisTestSupport
import Testing

/// Issue 15: the recall-window cache of this process against a second OS process — a real
/// `sigmaris serve` — writing turns for the same user. Every window this process loads through its
/// cache must equal what an uncached read of the database gives at that moment.
@Suite("Recall window cache against a second process", .enabled(if: TestDatabase.shouldRun))
struct RecallCacheSecondProcessTests {
    @Test func windowsStayFreshWhileAnotherProcessWritesTurns() async throws {
        let port = try ChildProcess.freePort()
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("sigmaris-cache-\(UUID()).log").path
        let environment = [
            "DATABASE_URL": try TestDatabase.url(), "SUPABASE_JWT_SECRET": TestConfiguration.jwtSecret,
            "SIGMARIS_MIGRATIONS_DIR": TestDatabase.migrationsDirectory.path, "SIGMARIS_LLM_PROVIDER": "local",
            "SIGMARIS_RATE_LIMIT_PER_MINUTE": "0", "SIGMARIS_LOG_LEVEL": "warning", "PATH": "/usr/bin:/bin",
        ]
        let assignments = environment.map { "\($0.key)=\(ChildProcess.quoted($0.value))" }.joined(separator: " ")
        let other = try ChildProcess(
            shellCommand: "env -i \(assignments) \(ChildProcess.quoted(StartupRefusalTests.binary)) serve --env-file /dev/null --host 127.0.0.1 --port \(port)",
            logPath: log)
        defer {
            other.kill(SIGKILL)
            try? FileManager.default.removeItem(atPath: log)
        }
        let base = "http://127.0.0.1:\(port)"
        let userID = "u_cache_\(UUID().uuidString.prefix(8).lowercased())"
        let engine = PersonaEngine(provider: LocalProvider(), anchors: SafetyAnchorCache())
        let cache = RecallWindowCache(budgetBytes: 10_000_000)

        try await TestDatabase.withMigratedClient(poolSize: 2) { database in
            let store = SigmarisStore(database: database)
            try await withHTTPClient(threads: 2, requestTimeout: .seconds(30)) { http in
                var ready = false
                for _ in 0..<300 where !ready {
                    ready = (try? await http.send(HTTPRequest(url: base + "/readyz"), logger: TestDatabase.logger))?.status == 200
                    if !ready { try await Task.sleep(for: .milliseconds(100)) }
                }
                try #require(ready, "the second process did not start: \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
                let token = try JWTSigner(hmacSecret: TestConfiguration.jwtSecret).sign(.service())

                for round in 0..<8 {
                    // The other process takes 0, 1 or 2 turns of this user…
                    for turn in 0..<(round % 3) {
                        let response = try await http.send(HTTPRequest(
                            method: .post, url: base + "/persona/chat",
                            headers: [("Authorization", "Bearer " + token), ("Content-Type", "application/json")],
                            body: Array(#"{"user_id":"\#(userID)","message":"other process, round \#(round) turn \#(turn)"}"#.utf8)),
                            logger: TestDatabase.logger)
                        #expect(response.status == 200)
                    }
                    // …then this one loads through its cache: the window is exactly the database's.
                    let memory = try await store.loadMemory(userID: userID, recallWindows: cache)
                    let uncached = try await database.withConnection { try PersonaStateStore.load(userID: userID, on: $0) }
                    #expect(memory.state.turnCount == uncached.state.turnCount)
                    #expect(
                        memory.recentEpisodes.map(\.episodeID) == uncached.recentEpisodes.map(\.episodeID),
                        "round \(round): a stale window")
                    #expect(memory.recentEpisodes == uncached.recentEpisodes)
                    let result = try await engine.runTurn(
                        TurnRequest(userID: userID, message: "this process, round \(round)"), state: memory.state,
                        recentEpisodes: memory.recentEpisodes, context: .random())
                    try await store.commitTurn(
                        result, userID: userID, previousTurnCount: memory.state.turnCount,
                        controlVersion: memory.controlVersion, tracing: false, chat: nil)
                    cache.recordCommit(of: result, from: memory, userID: userID)
                }
            }
        }
    }
}
