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
        case .connectionFailed, .connectionLost, .clientClosed, .leaseTimedOut, .commitOutcomeUnknown: return true
        case .queryFailed:
            // Class 08 (connection exception), 57P0x (admin shutdown, crash shutdown, cannot connect now),
            // 53xxx (insufficient resources: too many connections, out of memory or disk).
            guard let sqlState else { return false }
            return sqlState.hasPrefix("08") || sqlState.hasPrefix("57P0") || sqlState.hasPrefix("53")
        case .decodingFailed, .migrationFailed: return false
        }
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
