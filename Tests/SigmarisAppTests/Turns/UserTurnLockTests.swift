@testable import SigmarisApp
import Testing

/// The per-user queue: bounded, FIFO, and a cancelled waiter leaves it at once.
@Suite("UserTurnLock")
struct UserTurnLockTests {
    /// Polls until `condition` holds (the waiters are other tasks; nothing here measures time).
    static func eventually(_ condition: () -> Bool) async {
        while !condition() { await Task.yield() }
    }

    @Test func turnsOfOneUserRunOneAtATimeInArrivalOrder() async throws {
        let lock = UserTurnLock(maxQueuedPerUser: 8)
        try await lock.acquire("u")
        let order = OrderLog()
        var waiters: [Task<Void, any Error>] = []
        for i in 0..<3 {
            waiters.append(Task { try await lock.withLock("u") { order.append(i) } })
            await Self.eventually { lock.waitingCount("u") == i + 1 }
        }
        #expect(order.values.isEmpty)
        lock.release("u")
        for waiter in waiters { try await waiter.value }
        #expect(order.values == [0, 1, 2])
        #expect(lock.waitingCount("u") == nil)
    }

    @Test func otherUsersDoNotWait() async throws {
        let lock = UserTurnLock(maxQueuedPerUser: 0)
        try await lock.acquire("a")
        try await lock.acquire("b")
        lock.release("a")
        lock.release("b")
    }

    @Test func oneMoreThanTheQueueBoundIsRefusedAtOnce() async throws {
        let lock = UserTurnLock(maxQueuedPerUser: 2)
        try await lock.acquire("u")
        let queued = (0..<2).map { _ in Task { try await lock.withLock("u") {} } }
        await Self.eventually { lock.waitingCount("u") == 2 }
        await #expect(throws: UserTurnLock.queueFull(2)) { try await lock.acquire("u") }
        #expect(UserTurnLock.queueFull(2).status == .tooManyRequests)
        #expect(UserTurnLock.queueFull(2).reason == "too_many_queued_turns")
        #expect(UserTurnLock.queueFull(2).headers[.retryAfter] != nil)
        lock.release("u")
        for task in queued { try await task.value }
        #expect(lock.waitingCount("u") == nil)
    }

    @Test func aCancelledWaiterLeavesTheQueueAtOnce() async throws {
        let lock = UserTurnLock(maxQueuedPerUser: 1)
        try await lock.acquire("u")
        let waiter = Task { try await lock.withLock("u") { "ran" } }
        await Self.eventually { lock.waitingCount("u") == 1 }

        waiter.cancel()
        // The holder has not released: the waiter must come back on its own, with CancellationError.
        await #expect(throws: CancellationError.self) { try await waiter.value }
        #expect(lock.waitingCount("u") == 0)

        // Its place is free again, and the lock still hands over normally.
        let next = Task { try await lock.withLock("u") { "next ran" } }
        await Self.eventually { lock.waitingCount("u") == 1 }
        lock.release("u")
        #expect(try await next.value == "next ran")
        #expect(lock.waitingCount("u") == nil)
    }

    @Test func aTaskCancelledBeforeItAsksNeverQueues() async throws {
        let lock = UserTurnLock(maxQueuedPerUser: 4)
        try await lock.acquire("u")
        let waiter = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            try await lock.acquire("u")
        }
        await #expect(throws: CancellationError.self) { try await waiter.value }
        #expect(lock.waitingCount("u") == 0)
        lock.release("u")
        #expect(lock.waitingCount("u") == nil)
    }
}

/// Appends from several tasks, in the order they run.
final class OrderLog: Sendable {
    private let guarded = Mutex<[Int]>([])
    func append(_ value: Int) { guarded.withLock { $0.append(value) } }
    var values: [Int] { guarded.withLock { $0 } }
}

import Synchronization
