import NIOPosix
import Synchronization

/// The threads blocking transfers run on: started with the first transfer and stopped by `shutdown()`,
/// so a client that is built and never used (a start-up that fails later) leaves no thread behind.
public final class CurlThreads: Sendable {
    private enum State { case idle, running, stopped }

    private let pool: NIOThreadPool
    private let state: Mutex<State>

    /// - Parameter count: concurrent transfers; a transfer holds its thread for its whole duration.
    public init(count: Int) {
        pool = NIOThreadPool(numberOfThreads: max(1, count))
        state = Mutex(.idle)
    }

    /// An already started pool owned by the caller (tests share one between clients).
    public init(running pool: NIOThreadPool) {
        self.pool = pool
        state = Mutex(.running)
    }

    /// Runs `body` on a pool thread; throws `CancellationError` once the threads are stopped, as
    /// `NIOThreadPool` does for an inactive pool.
    func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        let usable = state.withLock { state in
            switch state {
            case .idle:
                pool.start()
                state = .running
                return true
            case .running: return true
            case .stopped: return false
            }
        }
        guard usable else { throw CancellationError() }
        return try await pool.runIfActive(body)
    }

    /// Lets running transfers finish, then stops the threads (if they ever started).
    public func shutdown() async {
        let wasRunning = state.withLock { state in
            defer { state = .stopped }
            return state == .running
        }
        if wasRunning { try? await pool.shutdownGracefully() }
    }
}
