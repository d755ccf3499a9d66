/// Serializes the turns of one user inside this process, so concurrent requests for the same user
/// queue here instead of racing to the database (where the loser would have to recompute its turn).
/// Turns of different users never wait for each other.
///
/// Across processes the optimistic `turn_count` check in `PersonaStateStore.commit` keeps turns from
/// losing updates; this lock only keeps that check from firing within one process.
actor UserTurnLock {
    private var queues: [String: [CheckedContinuation<Void, Never>]] = [:]

    func acquire(_ userID: String) async {
        guard queues[userID] != nil else {
            queues[userID] = []
            return
        }
        await withCheckedContinuation { queues[userID, default: []].append($0) }
    }

    func release(_ userID: String) {
        guard var waiting = queues[userID], !waiting.isEmpty else {
            queues[userID] = nil
            return
        }
        let next = waiting.removeFirst()
        queues[userID] = waiting
        next.resume()
    }

    nonisolated func withLock<T: Sendable>(_ userID: String, _ body: () async throws -> T) async throws -> T {
        await acquire(userID)
        do {
            let value = try await body()
            await release(userID)
            return value
        } catch {
            await release(userID)
            throw error
        }
    }
}
