import Foundation
import SigmarisEngine
import SigmarisJSON
import SigmarisTestSupport
import Testing
@testable import SigmarisStore

/// Issue #23's finding, as a user would meet it: a fact told early, then 120 unrelated turns, then a
/// question about the fact. Real turns (engine, local provider, store) on both test servers: the
/// archive search of each (full text on PostgreSQL 15, full text and pgvector fused on 18) brings the fact back; the
/// reference's window does not.
@Suite("Archive recall over a long history", .enabled(if: TestDatabase.shouldRun))
struct ArchiveRecallDatabaseTests {
    static let engine = PersonaEngine(provider: LocalProvider(), anchors: SafetyAnchorCache())

    /// One turn as the turn runner makes it; `archive`: with the store's archive search.
    @discardableResult
    static func turn(_ message: String, userID: String, archive: Bool, store: SigmarisStore) async throws -> TurnResult {
        let memory = try await store.loadMemory(userID: userID)
        let source = archive
            ? ArchiveRecall(source: ArchiveSearchSource(store: store, userID: userID, logger: TestDatabase.logger), limit: 20) : nil
        let result = try await engine.runTurn(
            TurnRequest(userID: userID, sessionID: "s", message: message), state: memory.state,
            recentEpisodes: memory.recentEpisodes, context: .random(), archive: source)
        try await store.commitTurn(result, from: memory, userID: userID, tracing: false, chat: nil)
        return result
    }

    static func pointers(_ result: TurnResult) -> [(id: String, source: String)] {
        (result.turnRows.last?.meta["memory_pointers"]?.arrayValue ?? []).compactMap { pointer in
            guard case .string(let id)? = pointer["episode_id"], case .string(let source)? = pointer["source"] else { return nil }
            return (id, source)
        }
    }

    static let cases: [(TestPostgres, String, String)] = TestPostgres.allCases.flatMap { server in
        [
            (server, "My sister Hanako moved to Sapporo to study pharmacy.", "Where did my sister Hanako move to study pharmacy?"),
            (server, "私の妹の花子は札幌の大学で薬学を勉強しています。", "妹の花子はどこの大学で薬学を勉強していますか？"),
        ]
    }

    @Test("a fact planted before 120 unrelated turns: recalled in archive mode, not in window mode", arguments: cases)
    func plantedFact(_ server: TestPostgres, _ fact: String, _ question: String) async throws {
        try await TestDatabase.withMigratedClient(on: server) { client in
            let store = SigmarisStore(database: client, recallWindows: RecallWindowCache(budgetBytes: 10_000_000))
            let user = "archive-recall-\(UUID().uuidString)"
            let planted = try await Self.turn(fact, userID: user, archive: true, store: store)
            for index in 0..<120 {
                try await Self.turn(
                    "Today the weather was grey and errand number \(index) in town took a while.", userID: user, archive: true,
                    store: store)
            }
            let window = try await Self.turn(question, userID: user, archive: false, store: store)
            #expect(!Self.pointers(window).contains { $0.id == planted.episode.episodeID })

            let archived = try await Self.turn(question, userID: user, archive: true, store: store)
            let recalled = Self.pointers(archived).first { $0.id == planted.episode.episodeID }
            #expect(recalled?.source == "archive", "pointers: \(Self.pointers(archived))")
        }
    }

    @Test("exactly 50 episodes: archive mode's turn is the window's, number for number", arguments: TestPostgres.allCases)
    func fullWindowWithoutOlderEpisodes(_ server: TestPostgres) async throws {
        try await TestDatabase.withMigratedClient(on: server) { client in
            let store = SigmarisStore(database: client)
            let user = "archive-exact-\(UUID().uuidString)"
            for index in 0..<PersonaConstants.Turn.recentEpisodeLimit {
                try await Self.turn("The harbour boats and errand number \(index) in town.", userID: user, archive: true, store: store)
            }
            let memory = try await store.loadMemory(userID: user)
            #expect(memory.recentEpisodes.count == PersonaConstants.Turn.recentEpisodeLimit)
            let request = TurnRequest(userID: user, sessionID: "s", message: "Tell me about the harbour boats again")
            let context = TurnContext.random()
            let window = try await Self.engine.runTurn(
                request, state: memory.state, recentEpisodes: memory.recentEpisodes, context: context)
            let archived = try await Self.engine.runTurn(
                request, state: memory.state, recentEpisodes: memory.recentEpisodes, context: context,
                archive: ArchiveRecall(source: ArchiveSearchSource(store: store, userID: user, logger: TestDatabase.logger), limit: 20))
            var windowMeta = window.meta.objectValue ?? JSONObject()
            var archivedMeta = archived.meta.objectValue ?? JSONObject()
            windowMeta["timing_ms"] = 0
            archivedMeta["timing_ms"] = 0
            #expect(archivedMeta == windowMeta)
            #expect(archived.turnRows == window.turnRows)
        }
    }
}
