import Synchronization

/// Idle ``CurlEasyHandle``s waiting to be reused.
///
/// Why a handle is only ever used by one thread at a time:
/// - A handle is checked out, used and checked back in *inside one*
///   `NIOThreadPool` work item, i.e. on one pool thread. It never reaches the
///   async caller.
/// - `checkIn` takes its argument as `sending`, so the compiler rejects any
///   caller that keeps using the handle after giving it back.
/// - `checkOut` pops the handle under the lock, so two threads can never
///   receive the same handle, and it returns it as `sending`, so the new
///   owner holds the only reference.
/// - Between work items a handle is reachable only through the array inside
///   the `Mutex`, which nobody but `checkIn`/`checkOut` touches.
final class CurlHandlePool: Sendable {
    private let idle: Mutex<[IdleHandle]>
    private let capacity: Int

    init(capacity: Int) {
        self.capacity = max(0, capacity)
        self.idle = Mutex([])
    }

    /// An idle handle if one is available, otherwise a fresh one.
    func checkOut() throws(OutboundHTTPError) -> sending CurlEasyHandle {
        if let idleHandle = idle.withLock({ $0.popLast() }) {
            return idleHandle.handle
        }
        return try CurlEasyHandle()
    }

    /// Returns a handle for reuse; beyond `capacity` it is dropped, which
    /// closes its connections via `curl_easy_cleanup` in its deinit.
    func checkIn(_ handle: sending CurlEasyHandle) {
        let parked = IdleHandle(handle: handle)
        let surplus: IdleHandle? = idle.withLock { handles in
            guard handles.count < capacity else { return parked }
            handles.append(parked)
            return nil
        }
        // Dropped outside the lock so curl_easy_cleanup never runs under it.
        _ = surplus
    }

    /// Number of idle handles (for tests and diagnostics).
    var idleCount: Int {
        idle.withLock { $0.count }
    }
}

/// A parked handle. `Mutex` has no way to move a non-Sendable value *into*
/// its protected state after init (its closures see captures as
/// task-isolated), so the parked form is marked Sendable by hand.
///
/// `@unchecked Sendable` is sound because an `IdleHandle` is created only in
/// `checkIn` from a `sending` (exclusively owned) handle, is stored only in
/// the pool's locked array, and is unwrapped only by `checkOut` after being
/// removed under the lock. So at any moment exactly one thread can reach the
/// wrapped handle, which is libcurl's one-thread-at-a-time requirement.
private struct IdleHandle: @unchecked Sendable {
    let handle: CurlEasyHandle
}
