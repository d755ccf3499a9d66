import Synchronization

/// What `WaiterQueue.enter` decides, under the queue's lock, for a task that asks to enter.
public enum WaitDecision<Tag: Sendable, Handoff: Sendable, Refusal: Sendable>: Sendable {
    /// Enter now, without waiting, with what the owner hands over (a connection, or nothing).
    case proceed(Handoff)
    /// Wait at the back of the queue, carrying `Tag` (which `wakeFirst` matches against).
    case wait(Tag)
    /// Do not enter and do not wait.
    case refuse(Refusal)
}

extension WaitDecision where Handoff == Void {
    /// Enter now, without waiting (an owner that hands nothing over: a place, a lock).
    public static var proceed: Self { .proceed(()) }
}

/// How `WaiterQueue.enter` ended.
public enum WaitOutcome<Handoff: Sendable, Refusal: Sendable>: Sendable {
    /// The task may go on: it entered at once or was woken by `wakeFirst`/`wakeAll`, with what it was
    /// handed. That (a place, a lock, a connection) is now its own, even if it was cancelled at the
    /// same moment, so it must give it back like any holder does.
    case entered(Handoff)
    /// The decision refused it; it never waited.
    case refused(Refusal)
    /// Its deadline passed while it waited (or before it would have had to); it left the queue.
    case timedOut
    /// Its task was cancelled while it waited (or before it would have had to); it left the queue.
    case cancelled
}

/// Where `enter` stands after its one critical section: done, or queued with a ticket.
private enum FirstStep<Handoff: Sendable, Refusal: Sendable>: Sendable {
    case done(WaitOutcome<Handoff, Refusal>)
    case queued(UInt64)
}

/// The waiting tasks as the decision sees them: how many, and how many carry a given tag.
public struct Waiting<Tag: Sendable> {
    fileprivate let tags: [Tag]

    public var count: Int { tags.count }

    public func count(where matches: (Tag) -> Bool) -> Int {
        tags.reduce(0) { $0 + (matches($1) ? 1 : 0) }
    }
}

/// A FIFO queue of suspended tasks, kept under one lock together with the state that decides who
/// waits: the one waiting mechanism for "take a place, or wait for one" (calls to an upstream, a
/// user's turns, the database pool's connections).
///
/// The owner's `State` (places in use, users with a running turn, idle connections …) lives inside the queue, so
/// deciding to wait and joining the queue happen in one critical section, and so do giving a place
/// back and handing it to a waiter: no hand-over can miss a waiter that is about to join, which is
/// the classic lost wake-up of two separate locks.
///
/// - FIFO: `wakeFirst` wakes the oldest waiter whose tag matches (a per-key queue is one queue
///   with tags).
/// - Cancellation-safe: a waiter whose task is cancelled leaves the queue at once and gets
///   `.cancelled`; a task already cancelled when it would have to wait never joins.
/// - Deadline: a waiter still queued at its deadline leaves with `.timedOut`. The deadline is kept
///   by a child task that sleeps until then (structured: it ends with the wait).
/// - Nothing is lost: a waiter is either woken (`.entered`, and the hand-over is its own) or leaves
///   (`.cancelled`, `.timedOut`), never both, whatever order the wake, the cancellation and the
///   deadline arrive in.
///
/// - Hand-over: a woken waiter is handed a `Handoff` by its waker (the pool's connection, or a slot
///   to open one); owners that hand over nothing use `Void`.
///
/// Waiters are kept in an array, so leaving from the middle costs O(waiting); owners bound the queue.
public final class WaiterQueue<State: Sendable, Tag: Sendable, Handoff: Sendable>: Sendable {
    /// How a waiter's wait ended, as the queue records it.
    private enum Resolution: Sendable { case entered(Handoff), timedOut, cancelled }

    private struct Waiter: Sendable {
        let ticket: UInt64
        let tag: Tag
        /// Nil between joining the queue and suspending (the two cannot share one lock section:
        /// a continuation exists only inside `withCheckedContinuation`).
        var continuation: CheckedContinuation<Resolution, Never>?
    }

    private struct Inner: Sendable {
        var state: State
        var waiters: [Waiter] = []
        /// Waiters resolved after joining but before suspending; their suspension returns at once.
        var early: [UInt64: Resolution] = [:]
        var lastTicket: UInt64 = 0
    }

    private let inner: Mutex<Inner>

    public init(_ state: State) {
        inner = Mutex(Inner(state: state))
    }

    /// Asks to enter. `decide` runs under the lock with the owner's state and the waiters; when it
    /// says `.wait`, the task joins the back of the queue in the same critical section and suspends
    /// until `wakeFirst` picks it, its task is cancelled, or `deadline` passes.
    public func enter<Refusal: Sendable>(
        until deadline: ContinuousClock.Instant? = nil,
        _ decide: (inout State, Waiting<Tag>) -> WaitDecision<Tag, Handoff, Refusal>
    ) async -> WaitOutcome<Handoff, Refusal> {
        let first = inner.withLock { inner -> FirstStep<Handoff, Refusal> in
            switch decide(&inner.state, Waiting(tags: inner.waiters.map(\.tag))) {
            case .proceed(let handoff):
                return .done(.entered(handoff))
            case .refuse(let refusal):
                return .done(.refused(refusal))
            case .wait(let tag):
                // Checked under the lock: the cancellation handler, which runs after the flag is
                // set, then either finds this waiter queued or never needs to.
                if Task.isCancelled { return .done(.cancelled) }
                if let deadline, deadline <= .now { return .done(.timedOut) }
                inner.lastTicket += 1
                inner.waiters.append(Waiter(ticket: inner.lastTicket, tag: tag))
                return .queued(inner.lastTicket)
            }
        }
        let ticket: UInt64
        switch first {
        case .done(let outcome): return outcome
        case .queued(let queued): ticket = queued
        }
        let resolution: Resolution
        if let deadline {
            resolution = await withTaskGroup(of: Void.self, returning: Resolution.self) { group in
                group.addTask { [self] in
                    do {
                        try await Task.sleep(until: deadline, clock: .continuous)
                    } catch {
                        return  // the wait ended first (or the whole task was cancelled)
                    }
                    resolve(ticket, .timedOut)
                }
                let resolution = await suspend(ticket)
                group.cancelAll()
                return resolution
            }
        } else {
            resolution = await suspend(ticket)
        }
        switch resolution {
        case .entered(let handoff): return .entered(handoff)
        case .timedOut: return .timedOut
        case .cancelled: return .cancelled
        }
    }

    /// Wakes the oldest waiter whose tag `matches` and hands it `handoff` (it enters: whatever the
    /// caller gives back goes straight to it) and returns true; when none matches, runs `otherwise`
    /// on the state under the same lock (the place is really given back) and returns false.
    @discardableResult
    public func wakeFirst(
        where matches: (Tag) -> Bool, handing handoff: Handoff, otherwise: (inout State) -> Void
    ) -> Bool {
        let (woke, continuation) = inner.withLock { inner -> (Bool, CheckedContinuation<Resolution, Never>?) in
            guard let index = inner.waiters.firstIndex(where: { matches($0.tag) }) else {
                otherwise(&inner.state)
                return (false, nil)
            }
            let waiter = inner.waiters.remove(at: index)
            if waiter.continuation == nil { inner.early[waiter.ticket] = .entered(handoff) }
            return (true, waiter.continuation)
        }
        // Resumed outside the lock: the woken task may run at once and ask for the lock itself.
        continuation?.resume(returning: .entered(handoff))
        return woke
    }

    /// Changes the state with `change` and, in the same critical section, wakes every waiter with
    /// `handoff` (an owner closing down: each waiter learns it from what it is handed). A waiter that
    /// joins afterwards sees the changed state.
    public func wakeAll<T: Sendable>(handing handoff: Handoff, after change: (inout State) -> T) -> T {
        let (result, continuations) = inner.withLock { inner -> (T, [CheckedContinuation<Resolution, Never>]) in
            let result = change(&inner.state)
            var continuations: [CheckedContinuation<Resolution, Never>] = []
            for waiter in inner.waiters {
                if let continuation = waiter.continuation {
                    continuations.append(continuation)
                } else {
                    inner.early[waiter.ticket] = .entered(handoff)
                }
            }
            inner.waiters.removeAll()
            return (result, continuations)
        }
        for continuation in continuations { continuation.resume(returning: .entered(handoff)) }
        return result
    }

    /// Reads or changes the owner's state (and sees the waiters) under the lock.
    public func withState<T: Sendable>(_ body: (inout State, Waiting<Tag>) -> T) -> T {
        inner.withLock { inner in body(&inner.state, Waiting(tags: inner.waiters.map(\.tag))) }
    }

    /// Tasks waiting now.
    public var waitingCount: Int {
        inner.withLock { $0.waiters.count }
    }

    // MARK: - One waiter

    private func suspend(_ ticket: UInt64) async -> Resolution {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Resolution, Never>) in
                let early = inner.withLock { inner -> Resolution? in
                    if let resolution = inner.early.removeValue(forKey: ticket) { return resolution }
                    guard let index = inner.waiters.firstIndex(where: { $0.ticket == ticket }) else {
                        // Unreachable: a waiter leaves the queue only with an early resolution
                        // recorded (or its continuation resumed, which needs this very call).
                        return .cancelled
                    }
                    inner.waiters[index].continuation = continuation
                    return nil
                }
                if let early { continuation.resume(returning: early) }
            }
        } onCancel: {
            resolve(ticket, .cancelled)
        }
    }

    /// Takes waiter `ticket` out of the queue with `resolution`, if it is still queued (a waiter
    /// already woken or gone is left alone).
    private func resolve(_ ticket: UInt64, _ resolution: Resolution) {
        let continuation = inner.withLock { inner -> CheckedContinuation<Resolution, Never>? in
            guard let index = inner.waiters.firstIndex(where: { $0.ticket == ticket }) else { return nil }
            let waiter = inner.waiters.remove(at: index)
            if waiter.continuation == nil { inner.early[ticket] = resolution }
            return waiter.continuation
        }
        continuation?.resume(returning: resolution)
    }
}

extension WaiterQueue where Handoff == Void {
    /// `wakeFirst(where:handing:otherwise:)` for an owner that hands nothing over (a place, a lock).
    @discardableResult
    public func wakeFirst(where matches: (Tag) -> Bool, otherwise: (inout State) -> Void) -> Bool {
        wakeFirst(where: matches, handing: (), otherwise: otherwise)
    }
}
