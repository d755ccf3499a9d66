import HTTPTypes
import SigmarisConcurrency

/// Serializes the turns of one user inside this process, so concurrent requests for the same user
/// queue here instead of racing to the database (where the loser would have to recompute its turn).
/// Turns of different users never wait for each other.
///
/// At most `maxQueuedPerUser` turns of one user wait behind the running one; one more is refused
/// with 429 (`too_many_queued_turns`) at once, so one user cannot park an unbounded number of
/// requests (each holding a connection and, later, a model call). A waiter whose task is cancelled
/// (the client went away) leaves the queue at once and throws `CancellationError`.
///
/// The waiting is `WaiterQueue`'s: the users with a running turn are its state, and each waiter is
/// tagged with its user, so a release hands the turn to that user's oldest waiter.
///
/// Across processes the optimistic `turn_count` check in `PersonaStateStore.commit` keeps turns from
/// losing updates; this lock only keeps that check from firing within one process.
final class UserTurnLock: Sendable {
    let maxQueuedPerUser: Int
    /// State: the users whose turn runs now. Tag: the user a waiter waits for.
    private let queue = WaiterQueue<Set<String>, String, Void>([])

    init(maxQueuedPerUser: Int) {
        self.maxQueuedPerUser = maxQueuedPerUser
    }

    static func queueFull(_ limit: Int) -> APIError {
        APIError(
            .tooManyRequests, "Too many turns of this user are already waiting (at most \(limit)); retry later",
            reason: "too_many_queued_turns", headers: [.retryAfter: "1"])
    }

    /// Returns once `userID`'s turn may run; the caller must `release` it afterwards.
    func acquire(_ userID: String) async throws {
        let limit = maxQueuedPerUser
        let outcome = await queue.enter { running, waiting -> WaitDecision<String, Void, Void> in
            if running.insert(userID).inserted { return .proceed }
            return waiting.count(where: { $0 == userID }) >= limit ? .refuse(()) : .wait(userID)
        }
        switch outcome {
        case .entered: return
        case .refused: throw Self.queueFull(maxQueuedPerUser)
        case .cancelled, .timedOut: throw CancellationError()  // no deadline is set: only cancelled
        }
    }

    /// Hands the user's turn to the oldest waiter, or frees it.
    func release(_ userID: String) {
        queue.wakeFirst(where: { $0 == userID }, otherwise: { $0.remove(userID) })
    }

    func withLock<T: Sendable>(_ userID: String, _ body: () async throws -> T) async throws -> T {
        try await acquire(userID)
        defer { release(userID) }
        return try await body()
    }

    /// Refuses now what `acquire` would refuse: a streamed turn acquires inside its response, after
    /// the status is sent, so it asks first to answer a full queue with a 429 rather than an event.
    /// (Two requests racing for the last place can still meet the refusal inside the stream.)
    func checkRoom(_ userID: String) throws(APIError) {
        if let waiting = waitingCount(userID), waiting >= maxQueuedPerUser { throw Self.queueFull(maxQueuedPerUser) }
    }

    /// How many turns of `userID` wait behind the running one (nil: none runs).
    func waitingCount(_ userID: String) -> Int? {
        queue.withState { running, waiting in
            running.contains(userID) ? waiting.count(where: { $0 == userID }) : nil
        }
    }
}
