import HTTPTypes
import Synchronization

/// Serializes the turns of one user inside this process, so concurrent requests for the same user
/// queue here instead of racing to the database (where the loser would have to recompute its turn).
/// Turns of different users never wait for each other.
///
/// At most `maxQueuedPerUser` turns of one user wait behind the running one; one more is refused
/// with 429 (`too_many_queued_turns`) at once, so one user cannot park an unbounded number of
/// requests (each holding a connection and, later, a model call). A waiter whose task is cancelled
/// (the client went away) leaves the queue at once and throws `CancellationError`.
///
/// Across processes the optimistic `turn_count` check in `PersonaStateStore.commit` keeps turns from
/// losing updates; this lock only keeps that check from firing within one process.
final class UserTurnLock: Sendable {
    private struct Waiter {
        var ticket: UInt64
        var continuation: CheckedContinuation<Void, any Error>
    }

    /// Per user with a running turn: the turns waiting behind it, oldest first.
    private struct State {
        var queues: [String: [Waiter]] = [:]
        var nextTicket: UInt64 = 0
    }

    let maxQueuedPerUser: Int
    private let guarded = Mutex(State())

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
        let ticket = guarded.withLock { state in
            state.nextTicket += 1
            return state.nextTicket
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                enum Outcome { case acquired, queued, full, cancelled }
                // Task.isCancelled is set before the cancellation handler runs, so checking it under
                // the lock means a waiter is either never queued or is found there by the handler.
                let outcome = guarded.withLock { state -> Outcome in
                    guard var waiting = state.queues[userID] else {
                        state.queues[userID] = []
                        return .acquired
                    }
                    if Task.isCancelled { return .cancelled }
                    if waiting.count >= maxQueuedPerUser { return .full }
                    waiting.append(Waiter(ticket: ticket, continuation: continuation))
                    state.queues[userID] = waiting
                    return .queued
                }
                switch outcome {
                case .acquired: continuation.resume()
                case .queued: break
                case .full: continuation.resume(throwing: Self.queueFull(maxQueuedPerUser))
                case .cancelled: continuation.resume(throwing: CancellationError())
                }
            }
        } onCancel: {
            let removed = guarded.withLock { state -> Waiter? in
                guard var waiting = state.queues[userID], let index = waiting.firstIndex(where: { $0.ticket == ticket }) else {
                    return nil
                }
                let waiter = waiting.remove(at: index)
                state.queues[userID] = waiting
                return waiter
            }
            removed?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Hands the user's turn to the oldest waiter, or frees it.
    func release(_ userID: String) {
        let next = guarded.withLock { state -> Waiter? in
            guard var waiting = state.queues[userID], !waiting.isEmpty else {
                state.queues[userID] = nil
                return nil
            }
            let next = waiting.removeFirst()
            state.queues[userID] = waiting
            return next
        }
        next?.continuation.resume()
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
        guarded.withLock { $0.queues[userID]?.count }
    }
}
