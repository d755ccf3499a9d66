import Foundation
import Testing
@testable import SigmarisAuth

@Suite("Signatures")
struct SignatureTests {
    @Test("a valid HS256 token yields the user")
    func validHS256() async throws {
        let token = try Fixture.hmacSigner().sign(Fixture.userClaims())
        let caller = try await Fixture.verifier().verify(token: token, allowService: false)
        guard case .user(let user) = caller else {
            Issue.record("expected a user, got \(caller)")
            return
        }
        #expect(user.id == Fixture.userID)
        #expect(user.role == "authenticated")
        #expect(user.email == "ada@example.com")
        #expect(user.expiresAt == Fixture.now.addingTimeInterval(3600))
        // The claims text is the signed payload itself, ready for `request.jwt.claims`.
        let claims = try JSONSerialization.jsonObject(with: Data(user.claimsJSON.utf8)) as? [String: Any]
        #expect(claims?["sub"] as? String == Fixture.userID.uuidString.lowercased())
        #expect(claims?["aud"] as? String == "authenticated")
    }

    @Test("a valid RS256 token yields the user")
    func validRS256() async throws {
        let token = try Fixture.rsaSigner().sign(Fixture.userClaims())
        let caller = try await Fixture.verifier().verify(token: token, allowService: false)
        #expect(caller.userID == Fixture.userID)
    }

    @Test("a valid ES256 token yields the user")
    func validES256() async throws {
        let token = try Fixture.ecSigner().sign(Fixture.userClaims())
        // JOSE ES256 signatures are raw r || s, always 64 bytes.
        let signature = try #require(Base64URL.decode(token.split(separator: ".")[2]))
        #expect(signature.count == 64)
        let caller = try await Fixture.verifier().verify(token: token, allowService: false)
        #expect(caller.userID == Fixture.userID)
    }

    @Test("the Authorization header path verifies the same way")
    func viaHeader() async throws {
        let token = try Fixture.ecSigner().sign(Fixture.userClaims())
        let caller = try await Fixture.verifier().verify(authorizationHeader: "bearer \(token)", allowService: false)
        #expect(caller.userID == Fixture.userID)
        let missing = await AuthFailure.caught { try await Fixture.verifier().verify(authorizationHeader: nil, allowService: false) }
        #expect(missing == .missingToken)
    }

    @Test("a tampered payload is a bad signature", arguments: [JWSAlgorithm.hs256, .rs256, .es256])
    func tamperedPayload(algorithm: JWSAlgorithm) async throws {
        let token = try signer(for: algorithm).sign(Fixture.userClaims())
        let parts = token.split(separator: ".").map(String.init)
        var claims = Fixture.userClaims()
        claims.subject = UUID().uuidString.lowercased()  // someone else
        let forged = [parts[0], Base64URL.encode(claims.jsonData()), parts[2]].joined(separator: ".")
        let failure = await AuthFailure.caught { try await Fixture.verifier().verify(token: forged, allowService: false) }
        #expect(failure == .badSignature)
    }

    @Test("a tampered signature is a bad signature", arguments: [JWSAlgorithm.hs256, .rs256, .es256])
    func tamperedSignature(algorithm: JWSAlgorithm) async throws {
        let token = try signer(for: algorithm).sign(Fixture.userClaims())
        let parts = token.split(separator: ".").map(String.init)
        var signature = try #require(Base64URL.decode(parts[2]))
        signature[signature.count / 2] ^= 0x01
        let forged = [parts[0], parts[1], Base64URL.encode(signature)].joined(separator: ".")
        let failure = await AuthFailure.caught { try await Fixture.verifier().verify(token: forged, allowService: false) }
        #expect(failure == .badSignature)
    }

    @Test("alg none is refused, whatever its spelling", arguments: ["none", "None", "NONE", "nOnE"])
    func algNone(spelling: String) async throws {
        let token = Fixture.assemble(header: #"{"alg":"\#(spelling)","typ":"JWT"}"#, payload: Fixture.userClaims().jsonData())
        let failure = await AuthFailure.caught { try await Fixture.verifier().verify(token: token, allowService: false) }
        #expect(failure == .unsupportedAlgorithm)
    }

    @Test("unimplemented algorithms are refused", arguments: ["HS512", "RS512", "PS256", "ES384", "EdDSA", "hs256", ""])
    func otherAlgorithms(alg: String) async throws {
        let token = Fixture.assemble(header: #"{"alg":"\#(alg)","kid":"test-rsa-1"}"#,
                                     payload: Fixture.userClaims().jsonData(), signature: [1, 2, 3])
        let failure = await AuthFailure.caught { try await Fixture.verifier().verify(token: token, allowService: false) }
        #expect(failure == .unsupportedAlgorithm)
    }

    @Test("HS256 signed with the RSA public key as the secret is refused")
    func hmacWithPublicKey() async throws {
        // The classic confusion attack: the attacker knows the public key and uses its PEM text as an
        // HMAC secret, hoping the verifier feeds the same key bytes to HMAC.
        let attacker = try JWTSigner(hmacSecret: Fixture.rsaPublicPEM, keyID: Fixture.rsaKeyID)
        let token = try attacker.sign(Fixture.userClaims())

        // With a shared secret configured, the HMAC is checked against that secret only.
        let withSecret = await AuthFailure.caught { try await Fixture.verifier().verify(token: token, allowService: false) }
        #expect(withSecret == .badSignature)
        // With only a JWKS configured, HS256 has no key at all.
        let jwksOnly = Fixture.verifier(configuration: Fixture.configuration(secret: nil))
        let withoutSecret = await AuthFailure.caught { try await jwksOnly.verify(token: token, allowService: false) }
        #expect(withoutSecret == .unsupportedAlgorithm)
    }

    @Test("an RS256 signature under a header claiming HS256 is refused")
    func rsaUnderHMACHeader() async throws {
        let signer = try Fixture.rsaSigner()
        let token = try signer.sign(payloadJSON: Fixture.userClaims().jsonData(),
                                    headerJSON: Data(#"{"alg":"HS256","kid":"test-rsa-1","typ":"JWT"}"#.utf8))
        let failure = await AuthFailure.caught { try await Fixture.verifier().verify(token: token, allowService: false) }
        #expect(failure == .badSignature)
        let jwksOnly = Fixture.verifier(configuration: Fixture.configuration(secret: nil))
        let failure2 = await AuthFailure.caught { try await jwksOnly.verify(token: token, allowService: false) }
        #expect(failure2 == .unsupportedAlgorithm)
    }

    @Test("a header whose alg does not match the named key's type is refused")
    func algKeyMismatch() async throws {
        // Signed with the RSA key but claiming ES256 and naming the RSA kid.
        let rsa = try Fixture.rsaSigner()
        let token = try rsa.sign(payloadJSON: Fixture.userClaims().jsonData(),
                                 headerJSON: Data(#"{"alg":"ES256","kid":"test-rsa-1"}"#.utf8))
        let failure = await AuthFailure.caught { try await Fixture.verifier().verify(token: token, allowService: false) }
        #expect(failure == .unsupportedAlgorithm)

        // Signed with the EC key, claiming RS256, naming the EC kid.
        let ec = try Fixture.ecSigner()
        let token2 = try ec.sign(payloadJSON: Fixture.userClaims().jsonData(),
                                 headerJSON: Data(#"{"alg":"RS256","kid":"test-ec-1"}"#.utf8))
        let failure2 = await AuthFailure.caught { try await Fixture.verifier().verify(token: token2, allowService: false) }
        #expect(failure2 == .unsupportedAlgorithm)
    }

    @Test("RS256/ES256 with no JWKS configured is refused")
    func asymmetricWithoutJWKS() async throws {
        let token = try Fixture.rsaSigner().sign(Fixture.userClaims())
        let verifier = Fixture.verifier(jwks: nil)
        let failure = await AuthFailure.caught { try await verifier.verify(token: token, allowService: false) }
        #expect(failure == .unsupportedAlgorithm)
    }

    @Test("a kid the JWKS does not have is an unknown key")
    func wrongKeyID() async throws {
        let token = try Fixture.rsaSigner(keyID: "not-in-the-set").sign(Fixture.userClaims())
        let failure = await AuthFailure.caught { try await Fixture.verifier().verify(token: token, allowService: false) }
        #expect(failure == .unknownKey)
    }

    @Test("a token signed by another key under a known kid is a bad signature")
    func foreignKeyKnownKid() async throws {
        // Another P-256 key signs, and the header names the fixture EC key's kid.
        let otherKey = try JWTSigner(privateKeyPEM: Fixture.text("ec-other-private", "pem"), keyID: Fixture.ecKeyID)
        let token = try otherKey.sign(Fixture.userClaims())
        let failure = await AuthFailure.caught { try await Fixture.verifier().verify(token: token, allowService: false) }
        #expect(failure == .badSignature)
    }

    @Test("without a kid, the one key of the token's algorithm is used")
    func noKeyID() async throws {
        let token = try Fixture.ecSigner(keyID: nil).sign(Fixture.userClaims())
        let caller = try await Fixture.verifier().verify(token: token, allowService: false)
        #expect(caller.userID == Fixture.userID)
    }

    @Test("ES256 signatures of the wrong length are refused", arguments: [0, 63, 65, 70, 72])
    func ecSignatureLength(length: Int) async throws {
        let signer = try Fixture.ecSigner()
        let token = try signer.sign(Fixture.userClaims())
        let parts = token.split(separator: ".").map(String.init)
        let raw = try #require(Base64URL.decode(parts[2]))
        // Pad or cut the genuine signature; a DER signature (70-72 bytes) is refused too.
        var altered = Array(raw.prefix(length))
        if length > raw.count { altered += [UInt8](repeating: 0, count: length - raw.count) }
        if length >= 70, let der = ECDSASignature.der(fromRaw: raw), der.count == length { altered = der }
        let forged = [parts[0], parts[1], Base64URL.encode(altered)].joined(separator: ".")
        let failure = await AuthFailure.caught { try await Fixture.verifier().verify(token: forged, allowService: false) }
        #expect(failure == .badSignature)
    }

    @Test("an ES256 signature that is not a valid (r, s) is refused")
    func ecSignatureZero() async throws {
        let token = try Fixture.ecSigner().sign(Fixture.userClaims())
        let parts = token.split(separator: ".").map(String.init)
        let forged = [parts[0], parts[1], Base64URL.encode([UInt8](repeating: 0, count: 64))].joined(separator: ".")
        let failure = await AuthFailure.caught { try await Fixture.verifier().verify(token: forged, allowService: false) }
        #expect(failure == .badSignature)
    }

    @Test("HS256 and JWKS keys are accepted side by side (key migration)")
    func bothAtOnce() async throws {
        let verifier = Fixture.verifier()
        for signer in try [Fixture.hmacSigner(), Fixture.rsaSigner(), Fixture.ecSigner()] {
            let caller = try await verifier.verify(token: signer.sign(Fixture.userClaims()), allowService: false)
            #expect(caller.userID == Fixture.userID)
        }
    }

    private func signer(for algorithm: JWSAlgorithm) throws -> JWTSigner {
        switch algorithm {
        case .hs256: return try Fixture.hmacSigner()
        case .rs256: return try Fixture.rsaSigner()
        case .es256: return try Fixture.ecSigner()
        }
    }
}
