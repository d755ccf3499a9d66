import Foundation
import Testing
@testable import SigmarisAuth

@Suite("JWK sets")
struct JWKSetTests {
    private func parse(_ json: String) throws -> JWKSet {
        try JWKSet(jsonData: Data(json.utf8))
    }

    private var fixtureKeys: [[String: Any]] {
        get throws {
            let object = try JSONSerialization.jsonObject(with: Fixture.jwksData) as? [String: Any]
            return try #require(object?["keys"] as? [[String: Any]])
        }
    }

    private func document(_ keys: [[String: Any]]) throws -> Data {
        try JSONSerialization.data(withJSONObject: ["keys": keys])
    }

    @Test("the fixture JWKS yields one RS256 and one ES256 key")
    func fixtureSet() throws {
        let set = try JWKSet(jsonData: Fixture.jwksData)
        #expect(set.keyIDs == ["test-rsa-1", "test-ec-1"])
        #expect(set.keys.map(\.algorithm) == [.rs256, .es256])
        #expect(set.skippedCount == 0)
    }

    @Test("unusable keys are skipped, the rest is kept")
    func skipsUnusable() throws {
        var keys = try fixtureKeys
        let rsa = keys[0]
        let ec = keys[1]
        func variant(_ base: [String: Any], _ changes: [String: Any?]) -> [String: Any] {
            var copy = base
            for (name, value) in changes { copy[name] = value }
            copy["kid"] = "variant-\(changes.keys.sorted().joined(separator: "-"))-\(changes.count)-\(UUID())"
            return copy
        }
        keys += [
            ["kty": "oct", "kid": "hmac", "k": "c2VjcmV0"],                     // symmetric: never trusted
            ["kty": "OKP", "kid": "ed", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"],
            variant(rsa, ["alg": "RS512"]),                                       // alg disagrees
            variant(rsa, ["alg": "HS256"]),
            variant(rsa, ["use": "enc"]),                                         // encryption key
            variant(rsa, ["key_ops": ["encrypt"]]),
            variant(rsa, ["n": nil]),                                             // missing material
            variant(rsa, ["n": "AQAB"]),                                          // tiny modulus
            variant(rsa, ["n": "not base64url!"]),
            variant(rsa, ["e": 65537]),                                           // wrong JSON type
            variant(ec, ["crv": "P-384"]),
            variant(ec, ["alg": "RS256"]),
            variant(ec, ["x": Base64URL.encode([UInt8](repeating: 1, count: 32))]),  // not on the curve
            variant(ec, ["y": Base64URL.encode([UInt8](repeating: 0, count: 31))]),  // short coordinate
            ["kty": "RSA"],
            [:],
        ]
        let set = try JWKSet(jsonData: try document(keys))
        #expect(set.keyIDs == ["test-rsa-1", "test-ec-1"])
        #expect(set.skippedCount == keys.count - 2)
    }

    @Test("a key with alg matching its type, or without alg, is used")
    func algOptional() throws {
        var keys = try fixtureKeys
        keys[0]["alg"] = nil
        keys[1]["alg"] = nil
        keys[0]["use"] = nil
        keys[1]["key_ops"] = ["verify"]
        let set = try JWKSet(jsonData: try document(keys))
        #expect(set.keys.map(\.algorithm) == [.rs256, .es256])
    }

    @Test("a repeated kid keeps the first key")
    func duplicateKid() throws {
        var keys = try fixtureKeys
        keys[1]["kid"] = "test-rsa-1"
        let set = try JWKSet(jsonData: try document(keys))
        #expect(set.keys.count == 1)
        #expect(set.key(for: "test-rsa-1", algorithm: .rs256)?.algorithm == .rs256)
        #expect(set.skippedCount == 1)
    }

    @Test("documents that are not a JWKS are refused", arguments: ["", "[]", "{}", #"{"keys":{}}"#, "not json", #"{"keys":null}"#])
    func notAKeySet(json: String) {
        #expect(throws: JWKSetError.self) { try parse(json) }
    }

    @Test("an empty key array is a valid, empty set")
    func emptySet() throws {
        #expect(try parse(#"{"keys":[]}"#).keys.isEmpty)
    }

    @Test("without a kid, only an unambiguous key is chosen")
    func lookupWithoutKid() throws {
        let set = try JWKSet(jsonData: Fixture.jwksData)
        #expect(set.key(for: nil, algorithm: .rs256)?.keyID == "test-rsa-1")
        #expect(set.key(for: nil, algorithm: .es256)?.keyID == "test-ec-1")
        #expect(set.key(for: nil, algorithm: .hs256) == nil)
        let two = try JWKSet(jsonData: try JWTSigner.publicJWKS(of: [Fixture.ecSigner(keyID: "a"),
                                                                     JWTSigner(privateKeyPEM: Fixture.text("ec-other-private", "pem"), keyID: "b")]))
        #expect(two.key(for: nil, algorithm: .es256) == nil)
        #expect(two.key(for: "b", algorithm: .es256)?.keyID == "b")
    }

    @Test("the JWKS derived from the private PEMs matches the one the openssl CLI produced")
    func derivedJWKSMatchesFixture() throws {
        let derived = try JWTSigner.publicJWKS(of: [Fixture.rsaSigner(), Fixture.ecSigner()])
        let derivedKeys = try #require((try JSONSerialization.jsonObject(with: derived) as? [String: Any])?["keys"] as? [[String: String]])
        let expected = try fixtureKeys.map { $0.compactMapValues { $0 as? String } }
        #expect(derivedKeys == expected)
        let single = try JWTSigner.publicJWKS(privateKeyPEM: Fixture.ecPrivatePEM, keyID: "dev")
        #expect(try JWKSet(jsonData: single).keyIDs == ["dev"])
    }
}
