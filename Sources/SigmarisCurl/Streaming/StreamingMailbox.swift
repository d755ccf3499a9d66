import CCurl
import Logging
import Synchronization

/// A transfer a caller asked for, on its way to the client's thread.
struct StreamStart: Sendable {
    let id: UInt64
    let request: HTTPRequest
    let url: ParsedURL
    let configuration: CurlHTTPClientConfiguration
    let logger: Logger
    /// The attempt number a buffered send logs; nil for a stream.
    let attempt: Int?
    let continuation: AsyncThrowingStream<HTTPStreamPart, any Error>.Continuation
    let started: ContinuousClock.Instant
}

/// What the client's thread picks up on one turn of its loop.
struct StreamingWork: Sendable {
    var starts: [StreamStart] = []
    var cancellations: [UInt64] = []
    /// Set once `shutdown()` asked the thread to end.
    var stopping = false
}

/// The only state the callers of ``CurlHTTPClient`` and its one thread share: new transfers
/// and cancellations are handed over here under a lock, and the thread is woken with
/// `curl_multi_wakeup`. Everything else (the multi handle, the easy handles, the transfers) lives
/// on the thread alone.
final class StreamingMailbox: Sendable {
    private enum Phase { case idle, running, stopping, stopped }

    private struct State: Sendable {
        var phase = Phase.idle
        var work = StreamingWork()
        /// Present while the thread's multi handle exists.
        var waker: MultiWaker?
    }

    private let state = Mutex(State())
    private let lastID = Atomic<UInt64>(0)
    private let registered = Atomic<Int>(0)

    func newID() -> UInt64 {
        lastID.add(1, ordering: .relaxed).newValue
    }

    /// Transfers the thread has registered with its multi handle (set by the thread).
    var registeredCount: Int {
        get { registered.load(ordering: .relaxed) }
        set { registered.store(newValue, ordering: .relaxed) }
    }

    /// Queues `start` for the thread; `startThread` runs (under the lock, so a concurrent
    /// shutdown sees a started thread) for the very first one. False once shut down.
    func submit(_ start: StreamStart, startThread: () -> Void) -> Bool {
        state.withLock { state in
            switch state.phase {
            case .stopping, .stopped:
                return false
            case .idle:
                state.phase = .running
                state.work.starts.append(start)
                startThread()
                return true
            case .running:
                state.work.starts.append(start)
                state.waker?.wake()
                return true
            }
        }
    }

    /// The consumer of stream `id` is gone: a start still waiting is dropped here, a running
    /// transfer is aborted by the thread.
    func cancel(_ id: UInt64) {
        state.withLock { state in
            if let index = state.work.starts.firstIndex(where: { $0.id == id }) {
                state.work.starts.remove(at: index)
                return
            }
            guard state.phase == .running || state.phase == .stopping else { return }
            state.work.cancellations.append(id)
            state.waker?.wake()
        }
    }

    /// Asks the thread to abort everything and end. True when there is a thread to wait for.
    func stop() -> Bool {
        state.withLock { state in
            switch state.phase {
            case .idle:
                state.phase = .stopped
                return false
            case .running, .stopping:
                state.phase = .stopping
                state.waker?.wake()
                return true
            case .stopped:
                return false
            }
        }
    }

    // MARK: - The thread's side

    /// Called by the thread once its multi handle exists, so callers can wake it.
    func attach(_ waker: MultiWaker) {
        state.withLock { $0.waker = waker }
    }

    /// Everything handed over since the last call.
    func take() -> StreamingWork {
        state.withLock { state in
            var work = state.work
            state.work = StreamingWork()
            work.stopping = state.phase == .stopping
            return work
        }
    }

    /// Called by the thread before its multi handle is freed: no caller can wake it any more, and
    /// later submissions are refused. Returns the starts that never reached the thread.
    func close() -> [StreamStart] {
        state.withLock { state in
            state.phase = .stopped
            state.waker = nil
            let left = state.work.starts
            state.work = StreamingWork()
            return left
        }
    }
}

/// The multi handle's address, for `curl_multi_wakeup` from a caller's thread.
///
/// `@unchecked Sendable` is sound because `curl_multi_wakeup` is the one multi function libcurl
/// documents as callable from any thread, the address is only used inside the mailbox's lock, and
/// the client's thread removes it from the mailbox (``StreamingMailbox/close()``, under that lock)
/// before it calls `curl_multi_cleanup`: no thread can wake a freed handle.
struct MultiWaker: @unchecked Sendable {
    let multi: UnsafeMutableRawPointer

    func wake() {
        _ = curl_multi_wakeup(multi)
    }
}
