import Foundation
import Logging
import SigmarisAuth
import Synchronization
@testable import SigmarisApp

/// Two generations of issuer keys, as Supabase rotates them: RS256 and ES256 in each, new `kid`s.
struct KeyGenerations {
    let first: [JWTSigner]
    let second: [JWTSigner]

    init() throws {
        first = [try TestKeys.signer(TestKeys.rsaPEM, kid: "rsa-gen1"), try TestKeys.signer(TestKeys.ecPEM, kid: "ec-gen1")]
        second = [try TestKeys.signer(TestKeys.rotatedRSAPEM, kid: "rsa-gen2"), try TestKeys.signer(TestKeys.rotatedECPEM, kid: "ec-gen2")]
    }

    static func jwks(_ signers: [JWTSigner]) throws -> String {
        String(decoding: try JWTSigner.publicJWKS(of: signers), as: UTF8.self)
    }

    /// A user token from `signer`, for `AuthTestApp`'s issuer.
    static func token(_ signer: JWTSigner) throws -> String {
        try signer.sign(AuthTestApp.userClaims())
    }
}

/// A configuration that verifies against a JWKS at `url` (and the tests' HS256 secret).
func jwksConfiguration(url: URL) -> SigmarisConfiguration {
    var configuration = SigmarisConfiguration()
    configuration.supabaseJWKSURL = url
    configuration.supabaseJWTSecret = AuthTestApp.secret
    configuration.jwtIssuer = AuthTestApp.issuer
    return configuration
}

/// A value the stub's behaviour closure and the test share.
final class SharedValue<Value: Sendable>: Sendable {
    private let storage: Mutex<Value>

    init(_ value: Value) {
        storage = Mutex(value)
    }

    var value: Value {
        get { storage.withLock { $0 } }
        set { storage.withLock { $0 = newValue } }
    }

    /// Read-modify-write under one lock (`value += 1` would be two).
    func update(_ body: (inout Value) -> Void) {
        storage.withLock { body(&$0) }
    }
}

/// Polls `condition` until it holds or `timeout` passes; true when it held. The timeout only keeps a
/// broken test from hanging: a full parallel run on two cores can starve a suite for seconds.
func eventually(timeout: Duration = .seconds(30), _ condition: @Sendable () async -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if await condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return await condition()
}
