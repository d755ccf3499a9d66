import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SigmarisAuth
import SigmarisCurl
import SigmarisTestSupport
import Testing
@testable import SigmarisApp

@Suite("Auth middleware")
struct AuthMiddlewareTests {
    typealias App = AuthTestApp

    /// Sends GET `uri`, optionally with a raw `Authorization` value, and hands back the response.
    private func get(_ uri: String, authorization: String? = nil, allowAnonymous: Bool = false) async throws -> TestResponse {
        let app = App.make(verifier: App.hs256Verifier(), allowAnonymous: allowAnonymous)
        var fields: HTTPFields = [:]
        if let authorization { fields[.authorization] = authorization }
        let headers = fields
        return try await app.test(.router) { client in
            try await client.execute(uri: uri, method: .get, headers: headers)
        }
    }

    private func expectRefused(_ response: TestResponse, _ reason: AuthFailure, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(response.status == .unauthorized, sourceLocation: sourceLocation)
        #expect(UnauthorizedBody(response) == UnauthorizedBody(reason: reason.rawValue), sourceLocation: sourceLocation)
        #expect(response.headers[.wwwAuthenticate] == #"Bearer error="invalid_token""#, sourceLocation: sourceLocation)
    }

    @Test func validUserTokenSetsTheCaller() async throws {
        let response = try await get("/user", authorization: "Bearer " + App.hs256(App.userClaims()))
        #expect(response.status == .ok)
        #expect(String(buffer: response.body) == "user:" + App.userID.uuidString.lowercased())
    }

    @Test func missingHeaderIsMissingToken() async throws {
        expectRefused(try await get("/user"), .missingToken)
    }

    @Test func blankHeaderIsMissingToken() async throws {
        expectRefused(try await get("/user", authorization: "   "), .missingToken)
    }

    @Test(arguments: ["Bearer garbage", "Bearer a.b.c", "Basic dXNlcjpwYXNz", "Bearer one two"])
    func garbageIsMalformed(_ header: String) async throws {
        expectRefused(try await get("/user", authorization: header), .malformed)
    }

    @Test func twoAuthorizationHeadersAreRefused() async throws {
        let token = try App.hs256(App.userClaims())
        let app = App.make(verifier: App.hs256Verifier())
        var fields: HTTPFields = [:]
        fields.append(HTTPField(name: .authorization, value: "Bearer " + token))
        fields.append(HTTPField(name: .authorization, value: "Bearer " + token))
        let headers = fields
        let response = try await app.test(.router) { client in
            try await client.execute(uri: "/user", method: .get, headers: headers)
        }
        expectRefused(response, .malformed)
    }

    @Test func expiredTokenIsRefused() async throws {
        let claims = JWTClaimsBuilder.user(id: App.userID, issuer: App.issuer, now: Date().addingTimeInterval(-7200), lifetime: 3600)
        expectRefused(try await get("/user", authorization: "Bearer " + App.hs256(claims)), .expired)
    }

    @Test func wrongAudienceIsRefused() async throws {
        let token = try App.hs256(App.userClaims(audience: "someone-else"))
        expectRefused(try await get("/user", authorization: "Bearer " + token), .wrongAudience)
    }

    @Test func wrongSignatureIsRefused() async throws {
        let token = try JWTSigner(hmacSecret: "not-the-secret-at-all-0123456789abcdef").sign(App.userClaims())
        expectRefused(try await get("/user", authorization: "Bearer " + token), .badSignature)
    }

    @Test func anonRoleIsRefusedOnUserAndServiceRoutes() async throws {
        var claims = App.userClaims()
        claims.role = "anon"
        let header = "Bearer " + (try App.hs256(claims))
        expectRefused(try await get("/user", authorization: header), .forbiddenRole)
        expectRefused(try await get("/service", authorization: header), .forbiddenRole)
    }

    @Test func serviceTokenOnlyWhereAllowed() async throws {
        let header = "Bearer " + (try App.hs256(.service()))
        expectRefused(try await get("/user", authorization: header), .forbiddenRole)
        let accepted = try await get("/service", authorization: header)
        #expect(accepted.status == .ok)
        #expect(String(buffer: accepted.body) == "service")
    }

    @Test func userTokenIsAcceptedWhereServiceIsAllowed() async throws {
        let response = try await get("/service", authorization: "Bearer " + App.hs256(App.userClaims()))
        #expect(response.status == .ok)
        #expect(String(buffer: response.body).hasPrefix("user:"))
    }

    @Test func anonymousPassesOnlyWithoutAHeaderAndOnlyWhenAllowed() async throws {
        // Switched on: no header → no caller, and the handler runs.
        let anonymous = try await get("/open", allowAnonymous: true)
        #expect(anonymous.status == .ok)
        #expect(String(buffer: anonymous.body) == "anonymous")
        // A header that is present is still checked, good or bad.
        let user = try await get("/open", authorization: "Bearer " + App.hs256(App.userClaims()), allowAnonymous: true)
        #expect(String(buffer: user.body).hasPrefix("user:"))
        expectRefused(try await get("/open", authorization: "Bearer garbage", allowAnonymous: true), .malformed)
        expectRefused(try await get("/open", authorization: "", allowAnonymous: true), .missingToken)
        // Switched off (the default): no header is refused like anywhere else.
        expectRefused(try await get("/open"), .missingToken)
    }

    /// Auth disabled: a request without credentials passes only from a page of this server (or no
    /// page at all, as curl), like dev sign-in. The router test client addresses `localhost`.
    @Test func anonymousRequestsFromAnotherOriginAreRefused() async throws {
        let app = App.make(verifier: App.hs256Verifier(), allowAnonymous: true)
        try await app.test(.router) { client in
            for origin in ["http://evil.example", "http://localhost:3000", "null", "https://localhost"] {
                try await client.execute(uri: "/open", method: .get, headers: [.origin: origin]) { response in
                    #expect(response.status == .forbidden, "\(origin)")
                    #expect(String(buffer: response.body).contains(#""reason":"forbidden_origin""#), "\(origin)")
                }
            }
            try await client.execute(uri: "/open", method: .get, headers: [.origin: "http://localhost"]) { response in
                #expect(String(buffer: response.body) == "anonymous")
            }
            // A credential is its own proof: the check is for requests admitted without one.
            let token = try App.hs256(App.userClaims())
            try await client.execute(uri: "/open", method: .get, headers: [.origin: "http://evil.example", .authorization: "Bearer " + token]) { response in
                #expect(String(buffer: response.body).hasPrefix("user:"))
            }
        }
    }

    /// DNS rebinding: a page on attacker.example whose name now resolves to 127.0.0.1 sends its own
    /// name as `Host` and could read the answer. Over a real connection, as a browser would.
    @Test func anonymousRequestsToAForeignHostAreRefusedOverTheWire() async throws {
        let app = App.make(verifier: App.hs256Verifier(), allowAnonymous: true)
        try await app.test(.live) { client in
            let port = try #require(client.port)
            try await withHTTPClient { http in
                let url = "http://127.0.0.1:\(port)/open"
                let foreign = try await http.send(
                    SigmarisCurl.HTTPRequest(method: .get, url: url, headers: [("Host", "attacker.example:\(port)")]), logger: App.quietLogger)
                #expect(foreign.status == 403)
                #expect(String(decoding: foreign.body, as: UTF8.self).contains("forbidden_host"))
                let local = try await http.send(SigmarisCurl.HTTPRequest(method: .get, url: url), logger: App.quietLogger)
                #expect(local.status == 200)
                #expect(String(decoding: local.body, as: UTF8.self) == "anonymous")
            }
        }
    }

    @Test func failuresAreLoggedAtDebugWithTheReasonOnly() async throws {
        let capture = LogCapture()
        let app = App.make(verifier: App.hs256Verifier(), logger: capture.logger)
        let expired = try App.hs256(JWTClaimsBuilder.user(id: App.userID, issuer: App.issuer, now: Date().addingTimeInterval(-7200)))
        let response = try await app.test(.router) { client in
            try await client.execute(uri: "/user", method: .get, headers: App.bearer(expired))
        }
        #expect(response.status == .unauthorized)
        let authLines = capture.all.filter { $0.metadata["sigmaris.auth.reason"] != nil }
        #expect(authLines.count == 1)
        #expect(authLines.first?.level == .debug)
        #expect(authLines.first?.metadata["sigmaris.auth.reason"] == AuthFailure.expired.rawValue)
        for line in capture.all.map(\.rendered) {
            #expect(!line.contains(expired))
            #expect(!line.contains(App.secret))
            #expect(!line.contains(App.userID.uuidString.lowercased()))
        }
    }
}
