import Foundation

/// The claims of a token to mint (local development and tests), shaped like Supabase's.
public struct JWTClaimsBuilder: Sendable {
    /// `aud` as a single string (Supabase's form) or as an array.
    public enum Audience: Sendable, Hashable {
        case single(String)
        case multiple([String])
    }

    public var subject: String?
    public var role: String?
    public var audience: Audience?
    public var issuer: String?
    public var issuedAt: Date?
    public var expiresAt: Date?
    public var notBefore: Date?
    public var email: String?
    /// Further string claims (`session_id`, `aal`, ...).
    public var additionalClaims: [String: String]
    /// Supabase's `app_metadata` object (e.g. `role`: `sigmaris_operator`); left out when empty.
    public var appMetadata: [String: String] = [:]

    public init(
        subject: String? = nil,
        role: String? = nil,
        audience: Audience? = nil,
        issuer: String? = nil,
        issuedAt: Date? = nil,
        expiresAt: Date? = nil,
        notBefore: Date? = nil,
        email: String? = nil,
        additionalClaims: [String: String] = [:]
    ) {
        self.subject = subject
        self.role = role
        self.audience = audience
        self.issuer = issuer
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
        self.notBefore = notBefore
        self.email = email
        self.additionalClaims = additionalClaims
    }

    /// A signed-in user's access token, as Supabase Auth issues it.
    public static func user(
        id: UUID,
        email: String? = nil,
        issuer: String? = nil,
        audience: String = JWTVerifierConfiguration.defaultAudience,
        now: Date = Date(),
        lifetime: TimeInterval = 3600
    ) -> JWTClaimsBuilder {
        JWTClaimsBuilder(
            // Supabase writes lowercase UUIDs; Foundation's uuidString is uppercase.
            subject: id.uuidString.lowercased(),
            role: JWTVerifier.userRole,
            audience: .single(audience),
            issuer: issuer,
            issuedAt: now,
            expiresAt: now.addingTimeInterval(lifetime),
            email: email
        )
    }

    /// A service-role key: `role: service_role`, `iss: supabase`, no `sub`, no `aud`.
    public static func service(now: Date = Date(), lifetime: TimeInterval = 3600) -> JWTClaimsBuilder {
        JWTClaimsBuilder(
            role: JWTVerifier.serviceRole,
            issuer: "supabase",
            issuedAt: now,
            expiresAt: now.addingTimeInterval(lifetime)
        )
    }

    /// The payload JSON, keys sorted so the same claims always give the same token.
    public func jsonData() -> Data {
        var object: [String: Any] = [:]
        for (name, value) in additionalClaims { object[name] = value }
        if let subject { object["sub"] = subject }
        if let role { object["role"] = role }
        switch audience {
        case .single(let value): object["aud"] = value
        case .multiple(let values): object["aud"] = values
        case nil: break
        }
        if let issuer { object["iss"] = issuer }
        if let issuedAt { object["iat"] = Self.numericDate(issuedAt) }
        if let expiresAt { object["exp"] = Self.numericDate(expiresAt) }
        if let notBefore { object["nbf"] = Self.numericDate(notBefore) }
        if let email { object["email"] = email }
        if !appMetadata.isEmpty { object["app_metadata"] = appMetadata }
        return Self.serialize(object)
    }

    /// RFC 7519 NumericDate: whole seconds, as Supabase writes them.
    static func numericDate(_ date: Date) -> Int {
        Int(date.timeIntervalSince1970.rounded(.down))
    }

    static func serialize(_ object: [String: Any]) -> Data {
        // Only strings, integers, arrays of strings and string dictionaries go in, so serialization cannot fail.
        (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
    }
}
