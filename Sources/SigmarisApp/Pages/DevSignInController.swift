import Foundation
import Hummingbird
import SigmarisEngine
import SigmarisAuth

/// DEV ONLY: `POST /api/dev/token` hands out an access token for the fixed dev user
/// `00000000-0000-4000-8000-000000000001`, signed with the HS256 secret and shaped like Supabase's,
/// so the pages can be used without a Supabase project.
///
/// Body: nothing, `{}`, or `{"user_id": <the dev user's id or null>}`; any other user id is a 403, so
/// the route cannot be used to act as someone else. It is mounted only when `SIGMARIS_DEV_SIGNIN` is
/// on, which configuration allows only on a loopback listener with no `SUPABASE_URL`. Even there a
/// web page in the developer's browser can reach it, so the request must name a loopback `Host`
/// (a rebound DNS name does not) and, when the browser sends one, an `Origin` of that same host.
struct DevSignInController: Sendable {
    static let devUserID = UUID(uuidString: "00000000-0000-4000-8000-000000000001")!
    /// 24 hours, as `sigmaris token` issues.
    static let lifetime = 86_400

    static let foreignHost = APIError(.forbidden, "Dev sign-in answers only requests addressed to a loopback host", reason: "forbidden_host")
    static let foreignOrigin = APIError(.forbidden, "Dev sign-in answers only pages of this server", reason: "forbidden_origin")
    static let otherUser = APIError(
        .forbidden, "Dev sign-in only signs in the dev user \(devUserID.uuidString.lowercased())", reason: "forbidden_user")

    let jwtSecret: String
    let audience: String
    let issuer: String?

    init(jwtSecret: String, audience: String, issuer: String?) {
        self.jwtSecret = jwtSecret
        self.audience = audience
        self.issuer = issuer
    }

    /// `buildApplication` warns about the route at start-up, next to the other development switches.
    func addRoutes(to router: Router<SigmarisRequestContext>) {
        router.post("api/dev/token") { request, context in
            try Self.checkAddressing(authority: request.head.authority, origin: request.headers[.origin])
            let buffer = try await request.body.collect(upTo: context.maxUploadSize)
            let userID = try Self.userID(fromBody: Data(buffer.readableBytesView))
            let token = try mint(userID: userID)
            return EditedResponse(
                headers: [.cacheControl: "no-store"],
                response: DevToken(accessToken: token, expiresIn: Self.lifetime, userID: userID.uuidString.lowercased()))
        }
    }

    /// An OAuth-style token response, as Supabase's `/auth/v1/token` answers.
    struct DevToken: ResponseEncodable {
        var accessToken: String
        var tokenType = "bearer"
        var expiresIn: Int
        var userID: String

        init(accessToken: String, expiresIn: Int, userID: String) {
            self.accessToken = accessToken
            self.expiresIn = expiresIn
            self.userID = userID
        }

        enum CodingKeys: String, CodingKey {
            case accessToken = "access_token", tokenType = "token_type", expiresIn = "expires_in", userID = "user_id"
        }
    }

    /// The `Host` must be a loopback name (DNS rebinding points a foreign name at 127.0.0.1), and an
    /// `Origin`, when present, must be this same host over http (another local app's page is not).
    static func checkAddressing(authority: String?, origin: String?) throws(APIError) {
        guard let authority, let host = hostName(ofAuthority: authority),
              SigmarisConfiguration.isLoopback(host: host)
        else { throw foreignHost }
        if let origin, origin.lowercased() != "http://" + authority.lowercased() {
            throw foreignOrigin
        }
    }

    /// `host`, `host:port`, `[v6]` or `[v6]:port` → the host; nil for anything else.
    static func hostName(ofAuthority authority: String) -> String? {
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return nil }
            let rest = authority[authority.index(after: close)...]
            guard rest.isEmpty || (rest.hasPrefix(":") && UInt16(rest.dropFirst()) != nil) else { return nil }
            return String(authority[...close])
        }
        let parts = authority.split(separator: ":", omittingEmptySubsequences: false)
        switch parts.count {
        case 1: return parts[0].isEmpty ? nil : String(parts[0])
        case 2: return parts[0].isEmpty || UInt16(parts[1]) == nil ? nil : String(parts[0])
        default: return nil
        }
    }

    /// The user id a body asks for: none (empty body, `{}`, `"user_id": null`) or the dev user's own.
    static func userID(fromBody body: Data) throws(APIError) -> UUID {
        let text = String(decoding: body, as: UTF8.self)
        if text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { return devUserID }
        guard let object = (try? JSONValue(parsing: Array(body)))?.objectValue else {
            throw .badRequest("Body must be a JSON object", reason: "invalid_body")
        }
        switch object["user_id"] {
        case nil, .null?:
            return devUserID
        case .string(let value)?:
            guard let id = UUID(uuidString: value.trimmingCharacters(in: .whitespaces)) else {
                throw .badRequest("user_id must be a UUID", reason: "invalid_user_id")
            }
            guard id == devUserID else { throw otherUser }
            return id
        default:
            throw .badRequest("user_id must be a UUID", reason: "invalid_user_id")
        }
    }

    private func mint(userID: UUID) throws -> String {
        do {
            let signer = try JWTSigner(hmacSecret: jwtSecret)
            return try signer.sign(
                JWTClaimsBuilder.user(id: userID, issuer: issuer, audience: audience, lifetime: TimeInterval(Self.lifetime)))
        } catch {
            // An empty secret: configuration refuses it, so this is a programming error, not the client's.
            throw APIError.internalError
        }
    }
}
