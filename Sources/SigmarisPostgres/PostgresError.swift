/// A failure talking to Postgres.
///
/// The description is safe to log: it carries the kind, SQLSTATE and object names, never query
/// parameters, and never the server's message text, which may echo a parameter value
/// (`invalid input syntax for type uuid: "…"`). The message is available as `serverMessage` for
/// callers that decide it is safe to show.
public struct PostgresError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// No connection could be established (server down, refused, timeout, bad credentials).
        case connectionFailed
        /// An established connection broke while in use (server restart, network cut).
        case connectionLost
        /// The server rejected a statement; `sqlState` says why.
        case queryFailed
        /// A returned value could not be decoded into the requested Swift type.
        case decodingFailed
        /// The client is shut down.
        case clientClosed
        /// Every connection stayed busy for the whole lease timeout.
        case leaseTimedOut
        /// The connection broke while COMMIT was on its way: the transaction may or may not have
        /// committed, so it is not retried.
        case commitOutcomeUnknown
        /// A migration file could not be read or applied.
        case migrationFailed
        /// The statement ran past the statement timeout, the server did not answer the cancel
        /// request in time either, and the connection was closed (`DATABASE_STATEMENT_TIMEOUT`).
        case statementTimedOut
        /// The task that ran the work was cancelled: its running statement was cancelled, or the
        /// next one was never sent. `PostgresClient` reports it as a `CancellationError`.
        case cancelled
    }

    public var code: Code
    /// The five-character SQLSTATE for `queryFailed` (for example `23505` for a unique violation).
    public var sqlState: String?
    public var serverMessage: String?
    public var constraint: String?
    public var table: String?
    public var column: String?
    /// A short note written by this library (never user data).
    public var detail: String?

    public init(
        _ code: Code, sqlState: String? = nil, serverMessage: String? = nil,
        constraint: String? = nil, table: String? = nil, column: String? = nil, detail: String? = nil
    ) {
        self.code = code
        self.sqlState = sqlState
        self.serverMessage = serverMessage
        self.constraint = constraint
        self.table = table
        self.column = column
        self.detail = detail
    }

    /// True for errors where the database, not the request, is at fault: retrying later may work.
    public var isUnavailable: Bool {
        switch code {
        case .connectionFailed, .connectionLost, .clientClosed, .leaseTimedOut, .commitOutcomeUnknown, .statementTimedOut:
            return true
        case .queryFailed:
            // Class 08 (connection exception), 57P0x (admin shutdown, crash shutdown, cannot connect now),
            // 53xxx (insufficient resources: too many connections, out of memory or disk), 57014 (a
            // statement cancelled by statement_timeout: a lock held elsewhere or an overloaded server),
            // 55P03 (lock_timeout), and 40P01/40001 (deadlock, serialization failure) once the
            // transaction's reruns are used up.
            guard let sqlState else { return false }
            return sqlState.hasPrefix("08") || sqlState.hasPrefix("57P0") || sqlState.hasPrefix("53")
                || Self.transientSQLStates.contains(sqlState)
        case .decodingFailed, .migrationFailed, .cancelled: return false
        }
    }

    static let transientSQLStates: Set<String> = ["57014", "55P03", "40P01", "40001"]

    /// The server rolled the whole transaction back on its own (a deadlock victim, a serialization
    /// failure), so running it again cannot store anything twice.
    var isRolledBackByServer: Bool {
        code == .queryFailed && (sqlState == "40P01" || sqlState == "40001")
    }

    public var description: String {
        var parts = ["PostgresError(\(code.rawValue)"]
        if let sqlState { parts.append("sqlstate: \(sqlState)") }
        if let table { parts.append("table: \(table)") }
        if let column { parts.append("column: \(column)") }
        if let constraint { parts.append("constraint: \(constraint)") }
        if let detail { parts.append(detail) }
        return parts.joined(separator: ", ") + ")"
    }
}
