/// Whether connections keep their frequent statements prepared (`PQprepare` once per connection, then
/// `PQexecPrepared`: the server skips parsing and planning them again).
///
/// A transaction-mode pooler (Supabase's on port 6543, PgBouncer with `pool_mode = transaction`) hands
/// each transaction to whichever server connection is free, where a statement prepared earlier does
/// not exist; behind one, statements must stay unnamed.
public enum PreparedStatementMode: String, Sendable, CaseIterable {
    /// On, unless the connection goes to port 6543 (Supabase's transaction pooler).
    case auto
    case on
    case off

    /// The port Supabase's transaction-mode pooler listens on.
    static let transactionPoolerPort = "6543"

    /// Whether a connection to `port` (as libpq reports it) prepares statements.
    func prepares(onPort port: String?) -> Bool {
        switch self {
        case .on: true
        case .off: false
        case .auto: port != Self.transactionPoolerPort
        }
    }
}
