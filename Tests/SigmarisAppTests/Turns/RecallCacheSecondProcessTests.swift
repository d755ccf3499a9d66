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
        let other = try ServeProcess.start(["SIGMARIS_RATE_LIMIT_PER_MINUTE": "0"])
        defer { other.stop() }
        let userID = "u_cache_\(UUID().uuidString.prefix(8).lowercased())"
        let engine = PersonaEngine(provider: LocalProvider(), anchors: SafetyAnchorCache())
        let cache = RecallWindowCache(budgetBytes: 10_000_000)

        try await TestDatabase.withMigratedClient(poolSize: 2) { database in
            let store = SigmarisStore(database: database)
            try await withHTTPClient(requestTimeout: .seconds(30)) { http in
                let ready = await other.waitUntilReady(http: http)
                try #require(ready, "the second process did not start: \(other.log)")
                let token = try JWTSigner(hmacSecret: TestConfiguration.jwtSecret).sign(.service())

                for round in 0..<8 {
                    // The other process takes 0, 1 or 2 turns of this user…
                    for turn in 0..<(round % 3) {
                        let response = try await http.send(HTTPRequest(
                            method: .post, url: other.baseURL + "/persona/chat",
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
