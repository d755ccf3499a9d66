import Synchronization

/// Tells the pool thread running a lease's work that the lease's task was cancelled.
///
/// The task's cancellation handler only sets this flag: it may run on any thread, a SwiftNIO event
/// loop included, where no libpq call may run. The pool thread that waits for the statement's result
/// looks at the flag between waits (`StatementDeadline.pollSlice`) and sends the cancel request itself.
final class CancelSignal: Sendable {
    private let cancelled = Atomic<Bool>(false)

    func cancel() { cancelled.store(true, ordering: .releasing) }

    var isCancelled: Bool { cancelled.load(ordering: .acquiring) }
}
