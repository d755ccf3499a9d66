import SigmarisEngine
import Synchronization

/// Each user's recent-episode window as this process last read or wrote it, so that a turn whose
/// state row shows nothing changed since (`RecallWindowStamp`) skips the episodes query: at 50
/// episodes with 1536-dimension embeddings that read is 300 KB a turn.
///
/// It is never trusted blindly: every turn still reads the state row, and a window is used only for
/// exactly the stamp it was stored with, so turns committed by other instances, operator actions and
/// erasures are seen. Memory is bounded by `budgetBytes` (least recently used users go first).
///
/// `SigmarisStore` creates and holds it (`SIGMARIS_RECALL_CACHE_MB`): its turns read and update it, and
/// every store operation that removes or changes a user's episodes or state drops that user's window
/// once it is done (`invalidating(_:userID:after:)`), so nothing erased stays in memory either.
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
        /// Windows dropped by `forget` and `forgetAll` so far (`drops`).
        var drops = 0
    }

    private let state: Mutex<State>
    /// Told of every lookup (true: a hit), for metrics; called outside the lock.
    private let lookupObserver: (@Sendable (_ hit: Bool) -> Void)?

    public init(budgetBytes: Int, lookupObserver: (@Sendable (_ hit: Bool) -> Void)? = nil) {
        state = Mutex(State(entries: CostBoundedLRU(budget: budgetBytes)))
        self.lookupObserver = lookupObserver
    }

    /// A cache of `megabytes` MB (`SIGMARIS_RECALL_CACHE_MB`), or nil for 0: off.
    public convenience init?(megabytes: Int, lookupObserver: (@Sendable (_ hit: Bool) -> Void)? = nil) {
        guard megabytes > 0 else { return nil }
        self.init(budgetBytes: megabytes * 1_000_000, lookupObserver: lookupObserver)
    }

    /// The window kept for `userID` if it was kept for exactly `stamp`; a stale one is dropped.
    func window(for userID: String, matching stamp: RecallWindowStamp) -> [Episode]? {
        let window = state.withLock { state -> [Episode]? in
            guard let entry = state.entries.value(for: userID), entry.stamp == stamp else {
                state.entries.removeValue(for: userID)
                state.misses += 1
                return nil
            }
            state.hits += 1
            return entry.window
        }
        lookupObserver?(window != nil)
        return window
    }

    /// Keeps `window` for `userID`; with `drops` (the count taken before the window was read or its
    /// turn committed), only if no window was dropped since.
    ///
    /// An erase (or another change) that commits while a turn of the user reads or commits drops the
    /// user's window once it is done, which may be before that turn gets here: without the check the
    /// turn would put erased episodes back in memory (never served, since the stamp no longer
    /// matches, but kept until the user's next turn). Any drop counts, not only this user's: the
    /// count is one integer, and a window not kept is only read again on the next turn.
    func remember(_ window: [Episode], for userID: String, stamp: RecallWindowStamp, unlessDroppedSince drops: Int? = nil) {
        let cost = Self.cost(of: window, userID: userID)
        state.withLock { state in
            if let drops, state.drops != drops { return }
            state.entries.set(Entry(stamp: stamp, window: window), cost: cost, for: userID)
        }
    }

    /// How many times a window was dropped so far; hand it to `remember` (see there).
    var drops: Int {
        state.withLock { $0.drops }
    }

    /// Drops the user's window (their rows were erased: nothing of them should stay in memory).
    public func forget(userID: String) {
        state.withLock { state in
            state.entries.removeValue(for: userID)
            state.drops += 1
        }
    }

    /// Drops every window (rows of users not known one by one went, as in a retention prune).
    func forgetAll() {
        state.withLock { state in
            state.entries = CostBoundedLRU(budget: state.entries.budget)
            state.drops += 1
        }
    }

    /// Whether a window of `userID` is kept (whatever its stamp), without counting a lookup.
    func holdsWindow(for userID: String) -> Bool {
        state.withLock { $0.entries.contains(userID) }
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
