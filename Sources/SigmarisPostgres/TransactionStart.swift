/// The `BEGIN` of a transaction, with its time limits set for that transaction only.
///
/// Why per transaction, with `SET LOCAL`, and not once per connection:
/// - A startup parameter (`options=-c statement_timeout=…`) does not pass a transaction pooler:
///   PgBouncer refuses unknown startup parameters ("unsupported startup parameter") unless told to
///   ignore them, and then drops them; since 1.20 it accepts `options` only for the few parameters it
///   tracks, which statement_timeout is not. Supabase's pooler on 6543 is a transaction pooler too.
/// - A session `SET` after connecting runs on whichever server connection the pooler picked for that
///   one statement: the next transaction may run on another one without it, and the one that got it
///   keeps it for other clients of the pooler.
/// - A transaction runs on one server connection from BEGIN to COMMIT, behind any pooler, and
///   `SET LOCAL` ends with it. Sent in BEGIN's own message (the simple protocol takes several
///   statements), it costs no round trip.
///
/// Statements outside a transaction (the turn's reads) get no server-side limit this way; the
/// client's own deadline (`StatementDeadline`) bounds them, behind a pooler or not.
enum TransactionStart {
    /// One of the transaction's limits.
    enum Limit: Equatable {
        /// Left as the server has it (its configuration, the role's or the database's default).
        case serverDefault
        /// None for this transaction, whatever the server's default (`0`).
        case unbounded
        case after(Duration)
    }

    /// `BEGIN`, then `SET LOCAL` for each limit that is not the server's default, then for each of
    /// `settings`. `lockTimeout` is for migrations: no bound on their work, a bound on waiting for a
    /// table's lock. The values are whole milliseconds formatted from `Duration`s, never text from
    /// outside (and `TransactionSetting` holds plain words only).
    static func sql(
        statementTimeout: Limit, lockTimeout: Limit = .serverDefault, settings: [TransactionSetting] = []
    ) -> String {
        var sql = "BEGIN"
        for (name, limit) in [("statement_timeout", statementTimeout), ("lock_timeout", lockTimeout)] {
            switch limit {
            case .serverDefault: continue
            case .unbounded: sql += "; SET LOCAL \(name) = 0"
            case .after(let duration): sql += "; SET LOCAL \(name) = \(milliseconds(duration))"
            }
        }
        for setting in settings { sql += "; " + setting.sql }
        return sql
    }

    /// At least 1: 0 means "no limit" to the server.
    static func milliseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return max(1, seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000)
    }
}
