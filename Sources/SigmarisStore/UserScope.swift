import SigmarisPostgres

/// Runs a user's statements the way Supabase's API gateway does: with the verified claims in
/// `request.jwt.claims` and the role `authenticated`, both local to the current transaction, so the
/// row-level security policies (`auth.uid() = user_id`) apply on top of every `WHERE user_id`.
///
/// `set_config(..., true)` rather than `SET`: it takes parameters, and it ends with the transaction,
/// which keeps the setting from leaking through a transaction-mode pooler (Supabase's port 6543).
enum UserScope {
    /// Sets the claims (`$1`, JSON) and the role for the rest of the transaction (`enter`).
    static let enterSQL =
        "SELECT set_config('request.jwt.claims', $1, true), set_config('role', 'authenticated', true)"

    /// Must run inside a transaction (`PostgresClient.withTransaction`).
    static func enter(claimsJSON: String, on connection: PostgresConnection) throws(PostgresError) {
        try connection.query(enterSQL, [.text(claimsJSON)])
    }

    /// Back to the connection's own role for the rest of the transaction.
    static func leave(on connection: PostgresConnection) throws(PostgresError) {
        try connection.query("SELECT set_config('role', 'none', true), set_config('request.jwt.claims', '', true)")
    }
}
