import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Logging
import SigmarisAuth
import SigmarisCurl
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

    static let jsonType: HTTPFields = [.contentType: "application/json"]

    func json(_ buffer: ByteBuffer) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(buffer: buffer)) as? [String: Any])
    }

    @Test func withoutABodyTheDevUserSignsIn() async throws {
        try await app().test(.router) { client in
            for body in [nil, ByteBuffer(string: "{}"), ByteBuffer(string: #"{"user_id": null}"#)] {
                try await client.execute(uri: "/api/dev/token", method: .post, headers: body == nil ? [:] : Self.jsonType, body: body) { response in
                    #expect(response.status == .ok)
                    #expect(response.headers[.cacheControl] == "no-store")
                    let object = try json(response.body)
                    #expect(object["token_type"] as? String == "bearer")
                    #expect(object["expires_in"] as? Int == 86_400)
                    #expect(object["user_id"] as? String == "00000000-0000-4000-8000-000000000001")
                    let caller = try await verify(try #require(object["access_token"] as? String))
                    #expect(caller.userID == DevSignInController.devUserID)
                }
            }
        }
    }

    @Test func theDevUsersOwnIDIsAccepted() async throws {
        try await app().test(.router) { client in
            let body = ByteBuffer(string: #"{"user_id": "00000000-0000-4000-8000-000000000001"}"#)
            try await client.execute(uri: "/api/dev/token", method: .post, headers: Self.jsonType, body: body) { response in
                #expect(response.status == .ok)
                let token = try #require(try json(response.body)["access_token"] as? String)
                guard case .user(let identity) = try await verify(token) else {
                    Issue.record("expected a user token")
                    return
                }
                #expect(identity.id == DevSignInController.devUserID)
                #expect(identity.role == "authenticated")
                // About a day to live.
                #expect(abs(identity.expiresAt.timeIntervalSinceNow - 86_400) < 120)
            }
        }
    }

    @Test func anotherUserIDIsRefused() async throws {
        try await app().test(.router) { client in
            let body = ByteBuffer(string: #"{"user_id": "\#(UUID().uuidString)"}"#)
            try await client.execute(uri: "/api/dev/token", method: .post, headers: Self.jsonType, body: body) { response in
                #expect(response.status == .forbidden)
                let object = try json(response.body)
                #expect(object["reason"] as? String == "forbidden_user")
                #expect(object["access_token"] == nil)
            }
        }
    }

    @Test func aForeignOriginIsRefused() async throws {
        try await app().test(.router) { client in
            // The router test client addresses every request to `localhost`.
            for origin in ["http://evil.example", "http://localhost:3000", "null", "https://localhost"] {
                try await client.execute(uri: "/api/dev/token", method: .post, headers: [.origin: origin]) { response in
                    #expect(response.status == .forbidden, "\(origin)")
                    let object = try json(response.body)
                    #expect(object["reason"] as? String == "forbidden_origin")
                }
            }
            try await client.execute(uri: "/api/dev/token", method: .post, headers: [.origin: "http://localhost"]) { response in
                #expect(response.status == .ok)
            }
        }
    }

    @Test(arguments: [
        ("127.0.0.1:8000", true), ("localhost", true), ("LOCALHOST:1", true), ("[::1]:8000", true), ("127.1.2.3", true),
        ("evil.example", false), ("evil.example:8000", false), ("127.0.0.1.nip.io:8000", false), ("0.0.0.0:8000", false),
        ("192.168.1.10:8000", false), ("[::2]:8000", false), ("127.0.0.1:notaport", false), ("", false),
    ])
    func onlyALoopbackHostIsAnswered(authority: String, allowed: Bool) {
        do {
            try DevSignInController.addressing.check(authority: authority, origin: nil)
            #expect(allowed, "\(authority) was answered")
        } catch {
            #expect(!allowed, "\(authority) was refused")
            #expect(error == DevSignInController.addressing.foreignHost)
        }
    }

    /// DNS rebinding: a page on attacker.example whose name now resolves to 127.0.0.1 sends its own
    /// name as `Host`. Over a real connection, as a browser would.
    @Test func aForeignHostHeaderIsRefusedOverTheWire() async throws {
        try await app().test(.live) { client in
            let port = try #require(client.port)
            try await withHTTPClient { http in
                let url = "http://127.0.0.1:\(port)/api/dev/token"
                let foreign = try await http.send(
                    SigmarisCurl.HTTPRequest(method: .post, url: url, headers: [("Host", "attacker.example:\(port)")], body: Array("{}".utf8)),
                    logger: Logger(label: "test"))
                #expect(foreign.status == 403)
                #expect(String(decoding: foreign.body, as: UTF8.self).contains("forbidden_host"))
                #expect(!String(decoding: foreign.body, as: UTF8.self).contains("access_token"))
                let local = try await http.send(
                    SigmarisCurl.HTTPRequest(method: .post, url: url, headers: [("Content-Type", "application/json")], body: Array("{}".utf8)),
                    logger: Logger(label: "test"))
                #expect(local.status == 200)
            }
        }
    }

    @Test func aBadUserIDIsA400WithJSON() async throws {
        try await app().test(.router) { client in
            let bodies = [#"{"user_id": "not-a-uuid"}"#, #"{"user_id": 42}"#, "[1, 2]", "not json", #""00000000-0000-4000-8000-000000000001""#]
            for body in bodies {
                try await client.execute(uri: "/api/dev/token", method: .post, headers: Self.jsonType, body: ByteBuffer(string: body)) { response in
                    #expect(response.status == .badRequest, "\(body)")
                    #expect(response.headers[.contentType] == "application/json; charset=utf-8")
                    let object = try json(response.body)
                    #expect(object["error"] is String, "\(body)")
                    #expect(object["access_token"] == nil)
                }
            }
        }
    }

    /// A page on another site may post `text/plain` without a preflight; a body must say it is JSON.
    @Test func aBodyNotLabelledJSONIs415() async throws {
        try await app().test(.router) { client in
            for type in [nil, "text/plain;charset=UTF-8", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"] {
                let headers: HTTPFields = type.map { [.contentType: $0] } ?? [:]
                try await client.execute(uri: "/api/dev/token", method: .post, headers: headers, body: ByteBuffer(string: "{}")) { response in
                    #expect(response.status == .unsupportedMediaType, "\(type ?? "no Content-Type")")
                    let object = try json(response.body)
                    #expect(object["reason"] as? String == "unsupported_media_type")
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
