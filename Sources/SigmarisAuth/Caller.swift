import Foundation

/// Who a verified token speaks for.
public enum Caller: Sendable, Hashable {
    /// An end user: every user route acts on `identity.id` and nothing else.
    case user(UserIdentity)
    /// The project's service credential (`role: service_role`); only where a route allows it.
    case service(ServiceIdentity)

    /// The user id for `.user`, nil for `.service`.
    public var userID: UUID? {
        if case .user(let identity) = self { return identity.id }
        return nil
    }
}

/// A verified end user.
public struct UserIdentity: Sendable, Hashable {
    /// The token's `sub`.
    public let id: UUID
    /// The token's `role` (always `authenticated` today; kept so callers need not assume it).
    public let role: String
    public let email: String?
    /// When the token stops being accepted (its `exp`).
    public let expiresAt: Date
    /// The verified payload exactly as signed, for Postgres `request.jwt.claims`, so `auth.jwt()` sees
    /// what Supabase would have passed.
    public let claimsJSON: String
    /// The token's `app_metadata.role` (Supabase: set only through the service role, e.g. the
    /// dashboard), nil when absent or not a string.
    public let appRole: String?

    public init(id: UUID, role: String, email: String?, expiresAt: Date, claimsJSON: String, appRole: String? = nil) {
        self.id = id
        self.role = role
        self.email = email
        self.expiresAt = expiresAt
        self.claimsJSON = claimsJSON
        self.appRole = appRole
    }
}

/// A verified service credential.
public struct ServiceIdentity: Sendable, Hashable {
    public let role: String
    public let issuer: String?
    public let claimsJSON: String

    public init(role: String, issuer: String?, claimsJSON: String) {
        self.role = role
        self.issuer = issuer
        self.claimsJSON = claimsJSON
    }
}
