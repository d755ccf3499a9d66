import Foundation
import Synchronization
import Testing
@testable import SigmarisAuth

/// Test fixtures from `Fixtures/` (test-only keys; see Fixtures/README.md).
enum Fixture {
    static func text(_ name: String, _ ext: String) -> String {
        guard let url = Bundle.module.url(forResource: name, withExtension: ext, subdirectory: "Fixtures"),
              let text = try? String(contentsOf: url, encoding: .utf8)
        else { fatalError("missing fixture \(name).\(ext)") }
        return text
    }

    static var rsaPrivatePEM: String { text("rsa-private", "pem") }
    static var rsaPublicPEM: String { text("rsa-public", "pem") }
    static var ecPrivatePEM: String { text("ec-private", "pem") }
    static var jwksData: Data { Data(text("jwks", "json").utf8) }

    static let rsaKeyID = "test-rsa-1"
    static let ecKeyID = "test-ec-1"
    static let secret = "super-secret-jwt-token-with-at-least-32-characters-long"

    static let userID = UUID(uuidString: "8d6f8a4e-52c1-4c8b-9a1e-0c3f6a2b9d11")!
    /// A fixed "now" so times in tokens are exact.
    static let now = Date(timeIntervalSince1970: 1_750_000_000)

    static func rsaSigner(keyID: String? = rsaKeyID) throws -> JWTSigner {
        try JWTSigner(privateKeyPEM: rsaPrivatePEM, keyID: keyID)
    }

    static func ecSigner(keyID: String? = ecKeyID) throws -> JWTSigner {
        try JWTSigner(privateKeyPEM: ecPrivatePEM, keyID: keyID)
    }

    static func hmacSigner() throws -> JWTSigner {
        try JWTSigner(hmacSecret: secret)
    }

    static func userClaims(now: Date = Fixture.now) -> JWTClaimsBuilder {
        JWTClaimsBuilder.user(id: userID, email: "ada@example.com", issuer: "https://example.supabase.co/auth/v1", now: now)
    }

    static func configuration(
        secret: String? = Fixture.secret,
        issuer: String? = "https://example.supabase.co/auth/v1"
    ) -> JWTVerifierConfiguration {
        JWTVerifierConfiguration(hmacSecret: secret, issuer: issuer)
    }

    /// A verifier with the HS256 secret and the fixture JWKS, all at `Fixture.now`.
    static func verifier(
        configuration: JWTVerifierConfiguration = Fixture.configuration(),
        jwks: Data? = Fixture.jwksData,
        clock: TestClock = TestClock()
    ) -> JWTVerifier {
        let cache = jwks.map { data in
            JWKSCache(now: clock.read, fetch: { data })
        }
        return JWTVerifier(configuration: configuration, jwks: cache, now: clock.read)
    }

    /// `BASE64URL(header).BASE64URL(payload).` plus a caller-chosen signature segment.
    static func assemble(header: String, payload: Data, signature: [UInt8] = []) -> String {
        Base64URL.encode(header) + "." + Base64URL.encode(payload) + "." + Base64URL.encode(signature)
    }
}

/// A clock tests move by hand.
final class TestClock: Sendable {
    private let current: Mutex<Date>

    init(_ start: Date = Fixture.now) {
        current = Mutex(start)
    }

    var read: @Sendable () -> Date {
        { [self] in current.withLock { $0 } }
    }

    func advance(by seconds: TimeInterval) {
        current.withLock { $0 = $0.addingTimeInterval(seconds) }
    }
}

extension AuthFailure {
    /// Runs `body` and returns the failure it threw, or nil if it succeeded. (Closures do not infer
    /// typed throws yet, so any other error is recorded as a test issue.)
    static func caught(
        _ body: () async throws -> Caller,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async -> AuthFailure? {
        do {
            _ = try await body()
            return nil
        } catch let failure as AuthFailure {
            return failure
        } catch {
            Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
            return nil
        }
    }
}
