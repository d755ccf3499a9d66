import Synchronization

/// A counter one side raises and the other waits on: lets a test and a stub's script take turns
/// (the stub sends its next chunk only after the test saw the last one), so tests assert order,
/// never timing.
public final class TestSignal: Sendable {
    private let raised = Atomic<Int>(0)

    public init() {}

    public func raise() {
        raised.add(1, ordering: .relaxed)
    }

    public var count: Int { raised.load(ordering: .relaxed) }

    /// Returns once `raise()` was called `times` times in all (or the task is cancelled).
    public func wait(forRaises times: Int = 1) async {
        while raised.load(ordering: .relaxed) < times, !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(5))
        }
    }
}

/// Waits (polling) until `condition` holds; false when it did not within `limit`, which only keeps
/// a broken test from hanging (never a speed goal). Not called `eventually`: test targets that
/// import this module have helpers of that name, and a trailing closure would fit both.
public func waitUntil(limit: Duration = .seconds(10), _ condition: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + limit
    while !condition() {
        guard ContinuousClock.now < deadline else { return false }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return true
}
