/// Every failure the store reports: no error of the database adapter leaves the store (they are
/// translated as they leave it, in `StoreError.init(_:)`), so the application maps these alone.
///
/// The descriptions are redacted: `cause` is the adapter's own description (the failure's kind,
/// SQLSTATE and object names), never a query parameter, the server's message text, a connection
/// string or a credential.
public enum StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Another turn of the same user committed first (optimistic check on `turn_count`); the turn
    /// must be recomputed from the new state.
    case turnConflict(userID: String)
    /// The database cannot serve the call now: it cannot be reached, a connection broke under the
    /// work, every connection stayed busy for the whole lease timeout, or the outcome of a COMMIT was
    /// lost with its connection. Asking again later may work.
    case unavailable(cause: String)
    /// A statement ran past its time limit (`DATABASE_STATEMENT_TIMEOUT`), or a lock wait past
    /// `lock_timeout`: a lock held elsewhere or an overloaded server. Asking again later may work.
    case timedOut(cause: String)
    /// Concurrent transactions conflicted (a deadlock victim, a serialization failure) and the
    /// store's reruns of the work are used up. Asking again later may work.
    case conflict(cause: String)
    /// Any other database failure (a statement the server rejected, a value that did not decode, a
    /// migration that could not be read or applied): a fault of the service, not of the request.
    case failed(cause: String)

    /// True when the database, not the request or the service, is at fault: asking again later may work.
    public var isUnavailable: Bool {
        switch self {
        case .unavailable, .timedOut, .conflict: true
        case .turnConflict, .failed: false
        }
    }

    public var description: String {
        switch self {
        case .turnConflict(let userID): "StoreError.turnConflict(user: \(userID))"
        case .unavailable(let cause): "StoreError.unavailable(\(cause))"
        case .timedOut(let cause): "StoreError.timedOut(\(cause))"
        case .conflict(let cause): "StoreError.conflict(\(cause))"
        case .failed(let cause): "StoreError.failed(\(cause))"
        }
    }
}
