import SigmarisPostgres

/// Runs a user's statements with the verified claims in `request.jwt.claims` and the role
/// `sigmaris_api`, both local to the current transaction, so the row-level security policies
/// (`user_id = sigmaris_request_user_id()`, sql/0009) apply on top of every `WHERE user_id`.
///
/// `sigmaris_api` and not Supabase's `authenticated`: anyone with the public anon key and their own
/// JWT reaches `authenticated` through PostgREST, so any write grant it held was a write path around
/// every limit of this service. `sigmaris_api` is granted only to the service's login role.
///
/// `set_config(..., true)` rather than `SET`: it takes parameters, and it ends with the transaction,
/// which keeps the setting from leaking through a transaction-mode pooler (Supabase's port 6543).
enum UserScope {
    /// The database role of a user's transaction (sql/0009_service_role_sigmaris_api.sql).
    static let role = "sigmaris_api"

    /// Sets the claims (`$1`, JSON) and the role for the rest of the transaction (`enter`).
    static let enterSQL =
        "SELECT set_config('request.jwt.claims', $1, true), set_config('role', '\(role)', true)"

    /// Must run inside a transaction (`PostgresClient.withTransaction`).
    static func enter(claimsJSON: String, on connection: PostgresConnection) throws(PostgresError) {
        try connection.query(enterSQL, [.text(claimsJSON)])
    }

    /// Back to the connection's own role for the rest of the transaction.
    static func leave(on connection: PostgresConnection) throws(PostgresError) {
        try connection.query("SELECT set_config('role', 'none', true), set_config('request.jwt.claims', '', true)")
    }
}
