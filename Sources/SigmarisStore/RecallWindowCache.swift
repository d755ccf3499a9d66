import SigmarisEngine
import Synchronization

/// Each user's recent-episode window as this process last read or wrote it, so that a turn whose
/// state row shows nothing changed since (`RecallWindowStamp`) skips the episodes query: at 50
/// episodes with 1536-dimension embeddings that read is 300 KB a turn.
///
/// It is never trusted blindly: every turn still reads the state row, and a window is used only for
/// exactly the stamp it was stored with, so turns committed by other instances, operator actions and
/// erasures are seen. Memory is bounded by `budgetBytes` (least recently used users go first).
public final class RecallWindowCache: Sendable {
    public struct Statistics: Sendable, Equatable {
        /// Turns that used a kept window, and turns that read the episodes.
        public var hits = 0
        public var misses = 0
        public var users = 0
        /// The estimated size of the kept windows.
        public var bytes = 0
    }

    private struct Entry {
        var stamp: RecallWindowStamp
        var window: [Episode]
    }

    private struct State: ~Copyable {
        var entries: CostBoundedLRU<String, Entry>
        var hits = 0
        var misses = 0
    }

    private let state: Mutex<State>

    public init(budgetBytes: Int) {
        state = Mutex(State(entries: CostBoundedLRU(budget: budgetBytes)))
    }

    /// A cache of `megabytes` MB (`SIGMARIS_RECALL_CACHE_MB`), or nil for 0: off.
    public convenience init?(megabytes: Int) {
        guard megabytes > 0 else { return nil }
        self.init(budgetBytes: megabytes * 1_000_000)
    }

    /// The window kept for `userID` if it was kept for exactly `stamp`; a stale one is dropped.
    func window(for userID: String, matching stamp: RecallWindowStamp) -> [Episode]? {
        state.withLock { state in
            guard let entry = state.entries.value(for: userID), entry.stamp == stamp else {
                state.entries.removeValue(for: userID)
                state.misses += 1
                return nil
            }
            state.hits += 1
            return entry.window
        }
    }

    func remember(_ window: [Episode], for userID: String, stamp: RecallWindowStamp) {
        let cost = Self.cost(of: window, userID: userID)
        state.withLock { $0.entries.set(Entry(stamp: stamp, window: window), cost: cost, for: userID) }
    }

    /// Drops the user's window (their rows were erased: nothing of them should stay in memory).
    public func forget(userID: String) {
        state.withLock { $0.entries.removeValue(for: userID) }
    }

    public var statistics: Statistics {
        state.withLock { state in
            Statistics(hits: state.hits, misses: state.misses, users: state.entries.count, bytes: state.entries.totalCost)
        }
    }

    /// Roughly what a window holds on the heap: the embeddings and text, plus a fixed overhead per
    /// episode and per entry for the structs, array and string headers.
    static func cost(of window: [Episode], userID: String) -> Int {
        window.reduce(256 + userID.utf8.count) { total, episode in
            total + 192 + episode.embedding.count * MemoryLayout<Float>.size + episode.episodeID.utf8.count
                + episode.summary.utf8.count + episode.emotionHint.utf8.count + episode.rawContext.utf8.count
        }
    }
}
