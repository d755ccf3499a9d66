import Foundation
import Hummingbird
import SigmarisEngine
import SigmarisAuth
import SigmarisJSON

/// DEV ONLY: `POST /api/dev/token` hands out an access token for the fixed dev user
/// `00000000-0000-4000-8000-000000000001`, signed with the HS256 secret and shaped like Supabase's,
/// so the pages can be used without a Supabase project.
///
/// Body: nothing, `{}`, or `{"user_id": <the dev user's id or null>}`; any other user id is a 403, so
/// the route cannot be used to act as someone else. It is mounted only when `SIGMARIS_DEV_SIGNIN` is
/// on, which configuration allows only on a loopback listener with no `SUPABASE_URL`. Even there a
/// web page in the developer's browser can reach it, so the request must pass `LoopbackAddressing`:
/// a loopback `Host` (a rebound DNS name is not) and, when the browser sends one, an `Origin` of that
/// same host.
struct DevSignInController: Sendable {
    static let devUserID = UUID(uuidString: "00000000-0000-4000-8000-000000000001")!
    /// 24 hours, as `sigmaris token` issues.
    static let lifetime = 86_400

    static let addressing = LoopbackAddressing(subject: "Dev sign-in")
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
            try Self.addressing.check(request)
            let buffer = try await JSONRequest.optionalBody(request, context: context)
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
