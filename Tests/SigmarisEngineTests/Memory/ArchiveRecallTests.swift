import Foundation
import Synchronization
import Testing
@testable import SigmarisEngine

/// docs/engine.md §2.7: archive candidates join recall with a recency term of 0 and `source:
/// "archive"`, and a window that is not full never asks for them (every number the reference's).
@Suite("Archive candidates (2.7)")
struct ArchiveRecallTests {

    /// Hands out fixed episodes and counts the questions (the engine's only boundary to the store).
    final class FixedArchive: ArchiveCandidateSource {
        let episodes: [Episode]
        let asked = Mutex<[Int]>([])

        init(_ episodes: [Episode]) { self.episodes = episodes }

        func candidates(message: String, vector: [Float]?, limit: Int, excluding: [String]) async -> [Episode] {
            asked.withLock { $0.append(excluding.count) }
            return Array(episodes.prefix(limit))
        }
    }

    @Test("an archive candidate scores its similarity alone and says source archive")
    func scoresWithoutRecency() {
        let window = [
            Fixtures.episode("new", "n", embedding: [0, 1]),      // 0.6 + 0.03 * 2/2 = 0.63
            Fixtures.episode("old", "o", embedding: [0.6, 0.8]),  // 0.96 + 0.03 * 1/2 = 0.975
        ]
        let archive = [
            Fixtures.episode("far", "f", embedding: [0.8, 0.6]),  // 1.0, no recency term
            Fixtures.episode("old", "o", embedding: [0.6, 0.8]),  // already in the window: left out
            Fixtures.episode("weak", "w", embedding: [-1, 0]),    // -0.8: dropped
        ]
        let memo = EmbeddingMemo(vectors: ["q": [0.8, 0.6]])
        let pointers = SelectiveRecall.recall(message: "q", episodes: window, archive: archive, embeddings: memo)
        #expect(pointers.map(\.episodeID) == ["far", "old", "new"])
        #expect(pointers.map(\.source) == ["archive", "episodic", "episodic"])
        expectClose(pointers[0].score, 1.0, tolerance: 1e-7)
    }

    @Test("50 episodes or fewer: the archive is never asked and the meta is the reference's", arguments: [0, 1, 49])
    func notFullWindowIsExact(_ count: Int) async throws {
        let engine = PersonaEngine(provider: LocalProvider(), anchors: SafetyAnchorCache())
        let window = (0..<count).map { index in
            Episode(
                episodeID: "e\(index)", timestamp: Fixtures.epoch.addingTimeInterval(-Double(index)),
                summary: "We talked about the harbour and boat number \(index)",
                embedding: LocalEmbedder.embed("We talked about the harbour and boat number \(index)"))
        }
        let archive = FixedArchive([Fixtures.episode("old", "The harbour boats", embedding: LocalEmbedder.embed("The harbour boats"))])
        let request = TurnRequest(userID: "u", sessionID: "s", message: "Tell me about the harbour boats", rewardSignal: 0)
        let reference = try await engine.runTurn(request, state: .initial, recentEpisodes: window, context: Fixtures.context(1))
        let archived = try await engine.runTurn(
            request, state: .initial, recentEpisodes: window, context: Fixtures.context(1),
            archive: ArchiveRecall(source: archive, limit: 20))
        #expect(PersonaEngineBehaviourTests.withoutTiming(archived.meta) == PersonaEngineBehaviourTests.withoutTiming(reference.meta))
        #expect(archived.turnRows == reference.turnRows)
        #expect(archived.reply == reference.reply)
        #expect(archive.asked.withLock { $0 }.isEmpty)
    }

    @Test("a full window asks for the older episodes and merges what recall kept")
    func fullWindowRecallsFromTheArchive() async throws {
        let engine = PersonaEngine(provider: LocalProvider(), anchors: SafetyAnchorCache())
        let window = (0..<PersonaConstants.Turn.recentEpisodeLimit).map { index in
            let text = "The weather was grey and errand \(index) took long"
            return Episode(
                episodeID: "e\(index)", timestamp: Fixtures.epoch.addingTimeInterval(-Double(index)), summary: text,
                embedding: LocalEmbedder.embed(text))
        }
        let fact = "My sister Hanako moved to Sapporo to study pharmacy"
        // Stored without an embedding: recall embeds its summary.
        let archive = FixedArchive([Fixtures.episode("fact", fact)])
        let request = TurnRequest(userID: "u", sessionID: "s", message: "Where did my sister Hanako move to study?", rewardSignal: 0)
        let result = try await engine.runTurn(
            request, state: .initial, recentEpisodes: window, context: Fixtures.context(2),
            archive: ArchiveRecall(source: archive, limit: 20))
        #expect(archive.asked.withLock { $0 } == [PersonaConstants.Turn.recentEpisodeLimit])
        // The assistant turn row carries the pointers.
        let pointers = result.turnRows.last?.meta["memory_pointers"]?.arrayValue ?? []
        let first = pointers.first?.objectValue
        #expect(first?["episode_id"] == .string("fact"))
        #expect(first?["source"] == .string("archive"))
        #expect(result.reply.contains("Sapporo"))
    }
}
