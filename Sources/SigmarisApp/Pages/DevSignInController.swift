import Foundation
import Hummingbird
import SigmarisAuth

/// DEV ONLY: `POST /api/dev/token` hands out a user access token signed with the project's HS256
/// secret, shaped like Supabase's, so the pages can be used without a Supabase project.
///
/// Body: nothing, `{}`, or `{"user_id": "<uuid>"}`; without a user id the fixed dev user
/// `00000000-0000-4000-8000-000000000001` signs in. Anyone who can reach this route can act as any
/// user, so it is only mounted when `SIGMARIS_DEV_SIGNIN` is on, and says so in the log.
struct DevSignInController: Sendable {
    static let defaultUserID = UUID(uuidString: "00000000-0000-4000-8000-000000000001")!
    /// 24 hours, as `sigmaris token` issues.
    static let lifetime = 86_400

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

    /// The user id a body asks for: none (empty body, `{}`, `"user_id": null`) means the dev user.
    static func userID(fromBody body: Data) throws(APIError) -> UUID {
        let text = String(decoding: body, as: UTF8.self)
        if text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { return defaultUserID }
        guard let json = try? JSONSerialization.jsonObject(with: body), let object = json as? [String: Any] else {
            throw .badRequest("Body must be a JSON object", reason: "invalid_body")
        }
        switch object["user_id"] {
        case nil, is NSNull:
            return defaultUserID
        case let value as String:
            guard let id = UUID(uuidString: value.trimmingCharacters(in: .whitespaces)) else {
                throw .badRequest("user_id must be a UUID", reason: "invalid_user_id")
            }
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
