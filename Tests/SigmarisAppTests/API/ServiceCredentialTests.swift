import Foundation
import SigmarisAuth
import Testing

@testable import SigmarisApp

/// What this service sends a remote core: a short-lived minted token whenever it can mint one.
@Suite("Remote core credential")
struct ServiceCredentialTests {
    static let secret = "remote-core-credential-secret-0123456789"
    static let projectKey = "the-projects-service-role-key"

    @Test func withTheSecretATokenIsMintedEvenWhenTheProjectKeyIsSet() async throws {
        let credential = ServiceCredential(serviceRoleKey: Self.projectKey, signer: try JWTSigner(hmacSecret: Self.secret))
        let token = try credential.token()
        #expect(token != Self.projectKey)
        let verifier = JWTVerifier(configuration: JWTVerifierConfiguration(hmacSecret: Self.secret))
        guard case .service(let identity) = try await verifier.verify(token: token, allowService: true) else {
            Issue.record("expected a service_role token")
            return
        }
        #expect(identity.role == "service_role")
        // Minutes, not the project key's forever.
        let claims = try #require(try JSONSerialization.jsonObject(with: Data(identity.claimsJSON.utf8)) as? [String: Any])
        let exp = try #require(claims["exp"] as? Double)
        #expect(exp - Date().timeIntervalSince1970 <= ServiceCredential.mintedLifetime + 5)
    }

    @Test func withoutTheSecretTheProjectKeyIsSent() throws {
        #expect(try ServiceCredential(serviceRoleKey: Self.projectKey, signer: nil).token() == Self.projectKey)
    }

    @Test func withNeitherThereIsNoCredential() {
        #expect(throws: APIError.self) { try ServiceCredential(serviceRoleKey: nil, signer: nil).token() }
    }
}
