import CLibPQ

/// A request to cancel the statement running on one connection (libpq's `PQcancelCreate` and
/// `PQcancelBlocking` on libpq 17 and later, `PQgetCancel` and `PQcancel` before; the shim picks).
///
/// Sending it opens a new connection to the server and blocks until the server has the request. On a
/// partitioned network that can take as long as the system's connect timeout (libpq before 17 has no
/// connect_timeout for it), so the pool thread waiting for the statement never sends it itself: it
/// hands the request to a `CancelSender` and keeps its own deadline.
///
/// `@unchecked Sendable` is safe because the cancel object is independent of the connection it was
/// made from (libpq documents it as usable from another thread, and after the connection is closed),
/// and this class is its only owner: it is sent once, from one thread, and freed in `deinit`.
final class CancelRequest: @unchecked Sendable {
    private let handle: OpaquePointer

    /// Nil when libpq cannot make one (out of memory, or the connection is already gone).
    init?(for connection: OpaquePointer) {
        guard let handle = sigmaris_cancel_create(connection) else { return nil }
        self.handle = handle
    }

    /// Blocks; true when the server received the request.
    @discardableResult
    func send() -> Bool { sigmaris_cancel_send(handle) == 1 }

    deinit { sigmaris_cancel_free(handle) }
}

/// Where a connection hands its cancel requests (`PostgresClient` sends them on threads of their own);
/// nil sends them on the calling thread.
typealias CancelSender = @Sendable (CancelRequest) -> Void
