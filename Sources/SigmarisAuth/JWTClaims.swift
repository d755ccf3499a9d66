import Foundation

/// The registered and Supabase claims the verifier checks, decoded from a verified payload.
///
/// Types are checked strictly (a string `exp` or a numeric `sub` is `malformed`), because a claim that
/// silently decodes as absent would skip its check.
struct JWTClaims: Decodable {
    /// `aud` may be a single string or an array of strings (RFC 7519 4.1.3).
    enum Audience: Decodable {
        case one(String)
        case many([String])

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let single = try? container.decode(String.self) {
                self = .one(single)
            } else {
                self = .many(try container.decode([String].self))
            }
        }

        func contains(_ audience: String) -> Bool {
            switch self {
            case .one(let value): return value == audience
            case .many(let values): return values.contains(audience)
            }
        }
    }

    let sub: String?
    let role: String?
    let aud: Audience?
    let iss: String?
    let exp: Double?
    let nbf: Double?
    let email: String?
    let appMetadata: AppMetadata?

    enum CodingKeys: String, CodingKey {
        case sub, role, aud, iss, exp, nbf, email, appMetadata = "app_metadata"
    }

    /// Supabase's `app_metadata` (only the service role can set it). Read leniently: it is not a
    /// claim the verifier checks, so a shape we do not expect means "no role", not a bad token.
    struct AppMetadata: Decodable {
        let role: String?

        enum CodingKeys: String, CodingKey { case role }

        init(from decoder: any Decoder) throws {
            let container = try? decoder.container(keyedBy: CodingKeys.self)
            role = (try? container?.decodeIfPresent(String.self, forKey: .role)) ?? nil
        }
    }

    static func decode(_ bytes: [UInt8]) throws(AuthFailure) -> JWTClaims {
        do {
            return try JSONDecoder().decode(JWTClaims.self, from: Data(bytes))
        } catch {
            throw .malformed
        }
    }
}
