import Foundation
import Testing
@testable import SigmarisAuth

/// `app_metadata.role` (how Supabase's dashboard marks an operator) is read, and never decides
/// whether a token is valid.
@Suite("app_metadata.role")
struct AppMetadataRoleTests {
    private func appRole(payload: (inout [String: Any]) -> Void) async throws -> String?? {
        var object = try #require(
            try JSONSerialization.jsonObject(with: Fixture.userClaims().jsonData()) as? [String: Any])
        payload(&object)
        let token = try Fixture.hmacSigner().sign(payloadJSON: try JSONSerialization.data(withJSONObject: object))
        guard case .user(let identity) = try? await Fixture.verifier().verify(token: token, allowService: false) else { return nil }
        return .some(identity.appRole)
    }

    @Test func theRoleIsRead() async throws {
        #expect(try await appRole { $0["app_metadata"] = ["provider": "email", "providers": ["email"], "role": "sigmaris_operator"] }
            == .some("sigmaris_operator"))
    }

    @Test func noMetadataOrNoRoleIsNil() async throws {
        #expect(try await appRole { _ in } == .some(nil))
        #expect(try await appRole { $0["app_metadata"] = ["provider": "email"] } == .some(nil))
    }

    @Test func anUnexpectedShapeIsNoRoleAndTheTokenStillVerifies() async throws {
        #expect(try await appRole { $0["app_metadata"] = ["role": ["sigmaris_operator"]] } == .some(nil))
        #expect(try await appRole { $0["app_metadata"] = "sigmaris_operator" } == .some(nil))
        #expect(try await appRole { $0["app_metadata"] = NSNull() } == .some(nil))
    }

    @Test func theBuilderWritesIt() throws {
        var claims = Fixture.userClaims()
        claims.appMetadata = ["role": "sigmaris_operator"]
        let object = try JSONSerialization.jsonObject(with: claims.jsonData()) as? [String: Any]
        #expect((object?["app_metadata"] as? [String: String]) == ["role": "sigmaris_operator"])
    }
}
