import Foundation
import SigmarisJSON

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

    /// The payload as the project's JSON value, keys sorted so the same claims always give the same
    /// token. Built from typed members, so there is nothing that could fail to serialize.
    public var payload: JSONValue {
        var members: [String: JSONValue] = [:]
        for (name, value) in additionalClaims { members[name] = .string(value) }
        if let subject { members["sub"] = .string(subject) }
        if let role { members["role"] = .string(role) }
        switch audience {
        case .single(let value): members["aud"] = .string(value)
        case .multiple(let values): members["aud"] = .strings(values)
        case nil: break
        }
        if let issuer { members["iss"] = .string(issuer) }
        if let issuedAt { members["iat"] = .number(Self.numericDate(issuedAt)) }
        if let expiresAt { members["exp"] = .number(Self.numericDate(expiresAt)) }
        if let notBefore { members["nbf"] = .number(Self.numericDate(notBefore)) }
        if let email { members["email"] = .string(email) }
        if !appMetadata.isEmpty { members["app_metadata"] = Self.sortedObject(appMetadata.mapValues(JSONValue.string)) }
        return Self.sortedObject(members)
    }

    /// The payload JSON text (`payload`), as signed.
    public func jsonData() -> Data {
        Data(payload.serialized().utf8)
    }

    /// RFC 7519 NumericDate: whole seconds, as Supabase writes them.
    static func numericDate(_ date: Date) -> Int {
        Int(date.timeIntervalSince1970.rounded(.down))
    }

    /// An object with its keys in sorted order: the same members always give the same bytes.
    static func sortedObject(_ members: [String: JSONValue]) -> JSONValue {
        .object(JSONObject(members.sorted { $0.key < $1.key }.map { (key: $0.key, value: $0.value) }))
    }
}
