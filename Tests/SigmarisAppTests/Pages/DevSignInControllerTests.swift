import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import SigmarisAuth
import Testing

@testable import SigmarisApp

@Suite("Dev sign-in")
struct DevSignInControllerTests {
    static let secret = "dev-sign-in-test-secret-0123456789abcdef"
    static let issuer = "http://127.0.0.1:54321/auth/v1"

    func app() -> some ApplicationProtocol {
        let router = Router(context: SigmarisRequestContext.self)
        router.addMiddleware { ErrorMiddleware() }
        DevSignInController(jwtSecret: Self.secret, audience: "authenticated", issuer: Self.issuer)
            .addRoutes(to: router)
        return Application(router: router)
    }

    func verify(_ token: String) async throws -> Caller {
        let verifier = JWTVerifier(configuration: JWTVerifierConfiguration(hmacSecret: Self.secret, audience: "authenticated", issuer: Self.issuer))
        return try await verifier.verify(token: token, allowService: false)
    }

    func json(_ buffer: ByteBuffer) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(buffer: buffer)) as? [String: Any])
    }

    @Test func withoutABodyTheDevUserSignsIn() async throws {
        try await app().test(.router) { client in
            for body in [nil, ByteBuffer(string: "{}"), ByteBuffer(string: #"{"user_id": null}"#)] {
                try await client.execute(uri: "/api/dev/token", method: .post, body: body) { response in
                    #expect(response.status == .ok)
                    #expect(response.headers[.cacheControl] == "no-store")
                    let object = try json(response.body)
                    #expect(object["token_type"] as? String == "bearer")
                    #expect(object["expires_in"] as? Int == 86_400)
                    #expect(object["user_id"] as? String == "00000000-0000-4000-8000-000000000001")
                    let caller = try await verify(try #require(object["access_token"] as? String))
                    #expect(caller.userID == DevSignInController.defaultUserID)
                }
            }
        }
    }

    @Test func aChosenUserGetsAVerifiableToken() async throws {
        let id = UUID()
        try await app().test(.router) { client in
            let body = ByteBuffer(string: #"{"user_id": "\#(id.uuidString)"}"#)
            try await client.execute(uri: "/api/dev/token", method: .post, headers: [.contentType: "application/json"], body: body) { response in
                #expect(response.status == .ok)
                let object = try json(response.body)
                #expect(object["user_id"] as? String == id.uuidString.lowercased())
                let token = try #require(object["access_token"] as? String)
                guard case .user(let identity) = try await verify(token) else {
                    Issue.record("expected a user token")
                    return
                }
                #expect(identity.id == id)
                #expect(identity.role == "authenticated")
                // About a day to live.
                #expect(abs(identity.expiresAt.timeIntervalSinceNow - 86_400) < 120)
            }
        }
    }

    @Test func aBadUserIDIsA400WithJSON() async throws {
        try await app().test(.router) { client in
            let bodies = [#"{"user_id": "not-a-uuid"}"#, #"{"user_id": 42}"#, "[1, 2]", "not json", #""00000000-0000-4000-8000-000000000001""#]
            for body in bodies {
                try await client.execute(uri: "/api/dev/token", method: .post, body: ByteBuffer(string: body)) { response in
                    #expect(response.status == .badRequest, "\(body)")
                    #expect(response.headers[.contentType] == "application/json; charset=utf-8")
                    let object = try json(response.body)
                    #expect(object["error"] is String, "\(body)")
                    #expect(object["access_token"] == nil)
                }
            }
        }
    }

    @Test func aTokenForAnotherSecretIsRefused() async throws {
        try await app().test(.router) { client in
            try await client.execute(uri: "/api/dev/token", method: .post) { response in
                let token = try #require(try json(response.body)["access_token"] as? String)
                let other = JWTVerifier(configuration: JWTVerifierConfiguration(hmacSecret: "another-secret", audience: "authenticated"))
                await #expect(throws: AuthFailure.self) { try await other.verify(token: token, allowService: false) }
            }
        }
    }

    @Test func onlyPOSTMints() async throws {
        try await app().test(.router) { client in
            try await client.execute(uri: "/api/dev/token", method: .get) { response in
                #expect(response.status != .ok)
            }
        }
    }
}
