import Foundation
import SigmarisAuth
import Testing

@testable import SigmarisApp

/// What this service sends a remote core: whenever it can mint, a short-lived token for the one user
/// the call is about, not a service-role token that drives every persona.
@Suite("Remote core credential")
struct ServiceCredentialTests {
    static let secret = "remote-core-credential-secret-0123456789"
    static let projectKey = "the-projects-service-role-key"
    static let issuer = "https://project.example.supabase.co/auth/v1"

    @Test func withTheSecretATokenForTheOneUserIsMintedEvenWhenTheProjectKeyIsSet() async throws {
        let user = UUID()
        let credential = ServiceCredential(
            serviceRoleKey: Self.projectKey, signer: try JWTSigner(hmacSecret: Self.secret), audience: "authenticated", issuer: Self.issuer)
        let token = try credential.token(for: user.uuidString.lowercased())
        #expect(token != Self.projectKey)
        // The core verifies it as any user's token: a user route (no service callers), audience and issuer checked.
        let verifier = JWTVerifier(configuration: JWTVerifierConfiguration(hmacSecret: Self.secret, issuer: Self.issuer))
        guard case .user(let identity) = try await verifier.verify(token: token, allowService: false) else {
            Issue.record("expected a user's token")
            return
        }
        #expect(identity.id == user)
        #expect(identity.role == "authenticated")
        let claims = try #require(try JSONSerialization.jsonObject(with: Data(identity.claimsJSON.utf8)) as? [String: Any])
        #expect(claims["sub"] as? String == user.uuidString.lowercased())
        #expect(claims["role"] as? String != "service_role")
        // Minutes, not the project key's forever.
        let exp = try #require(claims["exp"] as? Double)
        #expect(exp - Date().timeIntervalSince1970 <= ServiceCredential.mintedLifetime + 5)
    }

    @Test func eachUserGetsTheirOwnToken() throws {
        let credential = ServiceCredential(serviceRoleKey: nil, signer: try JWTSigner(hmacSecret: Self.secret))
        let now = Date()
        let a = UUID().uuidString.lowercased(), b = UUID().uuidString.lowercased()
        #expect(try credential.token(for: a, now: now) != credential.token(for: b, now: now))
    }

    /// A core refuses a user token whose `sub` is not a UUID; such an id (no caller passes one today)
    /// gets the short-lived service token instead.
    @Test func anIdThatIsNotAUUIDGetsAMintedServiceToken() async throws {
        let credential = ServiceCredential(serviceRoleKey: Self.projectKey, signer: try JWTSigner(hmacSecret: Self.secret))
        let token = try credential.token(for: "u_not_a_uuid")
        #expect(token != Self.projectKey)
        let verifier = JWTVerifier(configuration: JWTVerifierConfiguration(hmacSecret: Self.secret))
        guard case .service(let identity) = try await verifier.verify(token: token, allowService: true) else {
            Issue.record("expected a service_role token")
            return
        }
        let claims = try #require(try JSONSerialization.jsonObject(with: Data(identity.claimsJSON.utf8)) as? [String: Any])
        let exp = try #require(claims["exp"] as? Double)
        #expect(exp - Date().timeIntervalSince1970 <= ServiceCredential.mintedLifetime + 5)
    }

    @Test func withoutTheSecretTheProjectKeyIsSent() throws {
        #expect(try ServiceCredential(serviceRoleKey: Self.projectKey, signer: nil).token(for: UUID().uuidString) == Self.projectKey)
    }

    @Test func withNeitherThereIsNoCredential() {
        #expect(throws: APIError.self) { try ServiceCredential(serviceRoleKey: nil, signer: nil).token(for: UUID().uuidString) }
    }
}
