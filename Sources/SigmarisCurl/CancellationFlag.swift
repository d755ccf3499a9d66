import Synchronization

/// A one-way "stop now" signal from the awaiting task to the pool thread
/// running `curl_easy_perform`.
///
/// `withTaskCancellationHandler` fires its handler on an arbitrary thread
/// while the transfer runs on a pool thread, so the flag is an atomic. The
/// progress callback polls it (libcurl calls it at least once a second), which
/// bounds how long a cancelled request keeps a pool thread busy.
final class CancellationFlag: Sendable {
    private let raised = Atomic<Bool>(false)

    func raise() {
        raised.store(true, ordering: .relaxed)
    }

    var isRaised: Bool {
        raised.load(ordering: .relaxed)
    }
}
