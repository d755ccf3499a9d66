import SigmarisConcurrency
import Synchronization
import Testing

/// A pool of `places` on the queue, as its owners use it: the state is the free places, a waiter
/// carries no tag, and giving a place back hands it to the oldest waiter.
private final class Places: Sendable {
    let queue: WaiterQueue<Int, Void, Void>
    let maxWaiting: Int

    init(_ places: Int, maxWaiting: Int = .max) {
        queue = WaiterQueue(places)
        self.maxWaiting = maxWaiting
    }

    func take(until deadline: ContinuousClock.Instant? = nil) async -> WaitOutcome<Void, String> {
        await queue.enter(until: deadline) { free, waiting in
            if free > 0 {
                free -= 1
                return .proceed
            }
            return waiting.count < maxWaiting ? .wait(()) : .refuse("full")
        }
    }

    func giveBack() {
        queue.wakeFirst(where: { _ in true }, otherwise: { $0 += 1 })
    }

    var free: Int { queue.withState { free, _ in free } }
}

/// Appends from several tasks, in the order they run.
private final class OrderLog: Sendable {
    private let guarded = Mutex<[Int]>([])
    func append(_ value: Int) { guarded.withLock { $0.append(value) } }
    var values: [Int] { guarded.withLock { $0 } }
}

/// How many tasks hold a place now, and whether more ever did than there are places.
private final class Occupancy: Sendable {
    private let holding = Atomic<Int>(0)
    private let overbooked = Atomic<Bool>(false)
    let places: Int

    init(places: Int) { self.places = places }

    func enter() {
        if holding.add(1, ordering: .relaxed).newValue > places { overbooked.store(true, ordering: .relaxed) }
    }

    func leave() { holding.subtract(1, ordering: .relaxed) }

    var wasOverbooked: Bool { overbooked.load(ordering: .relaxed) }
}

/// Polls until `condition` holds (the waiters are other tasks; nothing here measures time).
private func eventually(_ condition: () -> Bool) async {
    while !condition() { await Task.yield() }
}

extension WaitOutcome {
    var name: String {
        switch self {
        case .entered: "entered"
        case .refused: "refused"
        case .timedOut: "timedOut"
        case .cancelled: "cancelled"
        }
    }
}

@Suite("WaiterQueue")
struct WaiterQueueTests {
    @Test func entersAtOnceWhileThereIsRoomAndIsRefusedPastTheBound() async {
        let places = Places(1, maxWaiting: 0)
        #expect(await places.take().name == "entered")
        guard case .refused(let why) = await places.take() else {
            Issue.record("expected a refusal")
            return
        }
        #expect(why == "full")
        #expect(places.queue.waitingCount == 0)
        places.giveBack()
        #expect(places.free == 1)
    }

    @Test func waitersEnterInArrivalOrder() async {
        let places = Places(1)
        #expect(await places.take().name == "entered")
        let order = OrderLog()
        await withTaskGroup(of: Void.self) { group in
            for index in 0..<4 {
                group.addTask {
                    #expect(await places.take().name == "entered")
                    order.append(index)
                    places.giveBack()
                }
                await eventually { places.queue.waitingCount == index + 1 }
            }
            places.giveBack()
        }
        #expect(order.values == [0, 1, 2, 3])
        #expect(places.free == 1)
    }

    @Test func aCancelledWaiterLeavesAtOnceAndTheNextStillEnters() async {
        let places = Places(1)
        #expect(await places.take().name == "entered")
        let cancelled = Task { await places.take() }
        await eventually { places.queue.waitingCount == 1 }
        let next = Task { await places.take() }
        await eventually { places.queue.waitingCount == 2 }

        cancelled.cancel()
        // Nobody gave anything back: the waiter comes back on its own.
        #expect(await cancelled.value.name == "cancelled")
        #expect(places.queue.waitingCount == 1)
        places.giveBack()
        #expect(await next.value.name == "entered")
        places.giveBack()
        #expect(places.free == 1)
    }

    @Test func aTaskCancelledBeforeItWouldWaitNeverJoins() async {
        let places = Places(1)
        #expect(await places.take().name == "entered")
        let waiter = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return await places.take()
        }
        #expect(await waiter.value.name == "cancelled")
        #expect(places.queue.waitingCount == 0)
        // A cancelled task that does not have to wait still enters: the decision is the owner's.
        places.giveBack()
        let entering = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return await places.take()
        }
        #expect(await entering.value.name == "entered")
    }

    @Test func aWaiterStillQueuedAtItsDeadlineLeaves() async {
        let places = Places(1)
        #expect(await places.take().name == "entered")
        let patient = Task { await places.take() }
        await eventually { places.queue.waitingCount == 1 }
        #expect(await places.take(until: .now + .milliseconds(50)).name == "timedOut")
        #expect(places.queue.waitingCount == 1, "only the waiter whose deadline passed left")
        places.giveBack()
        #expect(await patient.value.name == "entered")
    }

    @Test func aDeadlineAlreadyPastIsATimeOutWithoutWaiting() async {
        let places = Places(1)
        #expect(await places.take().name == "entered")
        #expect(await places.take(until: .now - .seconds(1)).name == "timedOut")
        #expect(places.queue.waitingCount == 0)
        // ...but a place that is free is taken whatever the deadline.
        places.giveBack()
        #expect(await places.take(until: .now - .seconds(1)).name == "entered")
    }

    @Test func wakeFirstPicksTheOldestWaiterWithAMatchingTag() async {
        let queue = WaiterQueue<Set<String>, String, Void>([])
        func acquire(_ key: String) async -> WaitOutcome<Void, Never> {
            await queue.enter { running, _ in running.insert(key).inserted ? .proceed : .wait(key) }
        }
        func release(_ key: String) -> Bool {
            queue.wakeFirst(where: { $0 == key }, otherwise: { $0.remove(key) })
        }
        #expect(await acquire("a").name == "entered")
        #expect(await acquire("b").name == "entered")
        let waitingForA = Task { await acquire("a") }
        await eventually { queue.waitingCount == 1 }
        let waitingForB = Task { await acquire("b") }
        await eventually { queue.waitingCount == 2 }
        #expect(queue.withState { _, waiting in waiting.count(where: { $0 == "b" }) } == 1)

        #expect(release("b"), "b's waiter gets b although a's waited longer")
        #expect(await waitingForB.value.name == "entered")
        #expect(queue.waitingCount == 1)
        #expect(release("a"))
        #expect(await waitingForA.value.name == "entered")
        #expect(!release("a") && !release("b"), "nobody waits: both are freed")
        #expect(queue.withState { running, _ in running.isEmpty })
    }

    /// The queue as the connection pool uses it: what the waker hands over (there, a connection)
    /// reaches the oldest waiter; with nobody waiting it goes back to the state.
    @Test func aWokenWaiterGetsWhatItsWakerHandsOver() async {
        let queue = WaiterQueue<[String], Void, String>([])
        @Sendable func take() async -> String? {
            let outcome = await queue.enter { free, _ -> WaitDecision<Void, String, Never> in
                free.isEmpty ? .wait(()) : .proceed(free.removeLast())
            }
            guard case .entered(let item) = outcome else { return nil }
            return item
        }
        func give(_ item: String) -> Bool {
            queue.wakeFirst(where: { _ in true }, handing: item, otherwise: { $0.append(item) })
        }
        #expect(!give("a"), "nobody waits: it is kept")
        #expect(await take() == "a")
        let first = Task { await take() }
        await eventually { queue.waitingCount == 1 }
        let second = Task { await take() }
        await eventually { queue.waitingCount == 2 }
        #expect(give("b") && give("c"))
        #expect(await first.value == "b", "the oldest waiter gets the first hand-over")
        #expect(await second.value == "c")
        #expect(!give("d"))
        #expect(queue.withState { free, _ in free } == ["d"])
    }

    /// Closing down: the state changes and every waiter is woken with the same hand-over in one
    /// critical section, so no waiter can join in between and wait forever.
    @Test func wakeAllChangesTheStateAndWakesEveryWaiter() async {
        let queue = WaiterQueue<Bool, Void, String>(false)
        @Sendable func take() async -> WaitOutcome<String, String> {
            await queue.enter { closed, _ in closed ? .refuse("closed") : .wait(()) }
        }
        let waiters = (0..<3).map { _ in Task { await take() } }
        await eventually { queue.waitingCount == 3 }
        let result = queue.wakeAll(handing: "closing") { closed -> Int in
            closed = true
            return 7
        }
        #expect(result == 7)
        for waiter in waiters {
            guard case .entered("closing") = await waiter.value else {
                Issue.record("expected the hand-over of wakeAll")
                continue
            }
        }
        #expect(queue.waitingCount == 0)
        guard case .refused("closed") = await take() else {
            Issue.record("a later arrival sees the changed state")
            return
        }
        #expect(queue.wakeAll(handing: "again") { _ in 0 } == 0, "with nobody waiting it only changes the state")
    }

    /// Wake-ups, cancellations and deadlines racing each other: every place handed to a waiter is
    /// held by exactly one task, and all of them come back, whatever arrives first.
    @Test func nothingIsLostWhenWakeCancellationAndDeadlineRace() async {
        let places = Places(3)
        let occupancy = Occupancy(places: 3)
        var generator = SystemRandomNumberGenerator()
        let plans: [(cancelAfterYields: Int?, deadline: Duration?)] = (0..<400).map { _ in
            (Bool.random(using: &generator) ? Int.random(in: 0...20, using: &generator) : nil,
             Bool.random(using: &generator) ? .microseconds(Int.random(in: 0...2000, using: &generator)) : nil)
        }
        await withTaskGroup(of: Void.self) { group in
            for plan in plans {
                let task = Task {
                    let outcome = await places.take(until: plan.deadline.map { .now + $0 })
                    guard case .entered = outcome else { return }
                    occupancy.enter()
                    await Task.yield()
                    occupancy.leave()
                    places.giveBack()
                }
                group.addTask {
                    if let yields = plan.cancelAfterYields {
                        for _ in 0..<yields { await Task.yield() }
                        task.cancel()
                    }
                    await task.value
                }
            }
        }
        #expect(!occupancy.wasOverbooked, "more tasks held a place than there are places")
        #expect(places.free == 3, "a place was lost or doubled")
        #expect(places.queue.waitingCount == 0)
    }
}
