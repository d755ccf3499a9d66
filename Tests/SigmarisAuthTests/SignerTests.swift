import Foundation
import SigmarisJSON
import Testing
@testable import SigmarisAuth

@Suite("Signer")
struct SignerTests {
    @Test("the private key's type picks the algorithm")
    func algorithmFromKey() throws {
        #expect(try Fixture.rsaSigner().algorithm == .rs256)
        #expect(try Fixture.ecSigner().algorithm == .es256)
        #expect(try Fixture.hmacSigner().algorithm == .hs256)
    }

    @Test("the header names alg, typ and kid")
    func header() throws {
        let token = try Fixture.ecSigner().sign(Fixture.userClaims())
        let header = try #require(Base64URL.decode(token.split(separator: ".")[0]))
        #expect(String(decoding: header, as: UTF8.self) == #"{"alg":"ES256","kid":"test-ec-1","typ":"JWT"}"#)
    }

    @Test("user and service claims have Supabase's shape")
    func claimsShape() throws {
        let user = String(decoding: Fixture.userClaims().jsonData(), as: UTF8.self)
        #expect(user == #"{"aud":"authenticated","email":"ada@example.com","exp":1750003600,"iat":1750000000,"iss":"https://example.supabase.co/auth/v1","role":"authenticated","sub":"8d6f8a4e-52c1-4c8b-9a1e-0c3f6a2b9d11"}"#)
        let service = String(decoding: JWTClaimsBuilder.service(now: Fixture.now).jsonData(), as: UTF8.self)
        #expect(service == #"{"exp":1750003600,"iat":1750000000,"iss":"supabase","role":"service_role"}"#)
    }

    @Test("claims are the project's JSON: any string survives, sorted keys included")
    func awkwardStringsRoundTrip() async throws {
        let awkward = "quote \" backslash \\ slash / newline \n tab \t nul \u{0} é 日本 🎉"
        var claims = Fixture.userClaims()
        claims.email = awkward
        claims.additionalClaims = ["session_id": awkward]
        claims.appMetadata = ["provider": awkward, "role": "sigmaris_operator"]
        let parsed = try JSONValue(parsing: Array(claims.jsonData()))
        #expect(parsed == claims.payload)
        #expect(parsed["email"]?.stringValue == awkward)
        #expect(parsed["session_id"]?.stringValue == awkward)
        #expect(parsed["app_metadata"]?["provider"]?.stringValue == awkward)
        #expect(parsed.objectValue?.keys == parsed.objectValue?.keys.sorted())
        // And the verifier reads what the signer wrote.
        let caller = try await Fixture.verifier().verify(token: try Fixture.hmacSigner().sign(claims), allowService: false)
        guard case .user(let identity) = caller else { Issue.record("expected a user"); return }
        #expect(identity.email == awkward)
        #expect(identity.appRole == "sigmaris_operator")
    }

    @Test("invalid private keys are refused")
    func invalidKeys() throws {
        #expect(throws: JWTSignerError.self) { try JWTSigner(privateKeyPEM: "not a key") }
        #expect(throws: JWTSignerError.self) { try JWTSigner(privateKeyPEM: Fixture.rsaPublicPEM) }
        #expect(throws: JWTSignerError.self) { try JWTSigner(hmacSecret: "") }
        #expect(throws: JWTSignerError.self) { try Fixture.hmacSigner().publicJWK() }
    }

    @Test("an encrypted PEM is refused without prompting for a passphrase")
    func encryptedPEM() throws {
        let pem = Fixture.text("ec-encrypted-private", "pem")
        #expect(throws: JWTSignerError.invalidPrivateKey) { try JWTSigner(privateKeyPEM: pem) }
    }

    @Test("ES256 signatures convert between raw and DER without loss")
    func ecdsaRoundTrip() throws {
        let signer = try Fixture.ecSigner()
        for index in 0..<20 {
            let raw = try signer.signature(for: Array("message \(index)".utf8))
            #expect(raw.count == 64)
            let der = try #require(ECDSASignature.der(fromRaw: raw))
            #expect(der.first == 0x30)
            #expect(ECDSASignature.raw(fromDER: der) == raw)
        }
        #expect(ECDSASignature.der(fromRaw: [UInt8](repeating: 1, count: 63)) == nil)
        #expect(ECDSASignature.der(fromRaw: [UInt8](repeating: 1, count: 65)) == nil)
        #expect(ECDSASignature.raw(fromDER: [0x30, 0x00]) == nil)
        #expect(ECDSASignature.raw(fromDER: [1, 2, 3]) == nil)
    }

    @Test("an ES256 token minted here verifies with the openssl CLI's public key")
    func crossCheckWithPublicPEM() throws {
        // The verifier is built from JWK x/y; this checks the signer against the independent PEM.
        let token = try Fixture.ecSigner().sign(Fixture.userClaims())
        let parts = token.split(separator: ".")
        let key = try #require(OpenSSLKey.privateKey(pem: Fixture.ecPrivatePEM))
        let raw = try #require(Base64URL.decode(parts[2]))
        let der = try #require(ECDSASignature.der(fromRaw: raw))
        #expect(key.verify(signature: der, message: Array("\(parts[0]).\(parts[1])".utf8)))
    }
}

@Suite("Base64URL")
struct Base64URLTests {
    @Test("round trips every length", arguments: 0..<40)
    func roundTrip(length: Int) {
        let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 251) }
        let text = Base64URL.encode(bytes)
        #expect(!text.contains("=") && !text.contains("+") && !text.contains("/"))
        #expect(Base64URL.decode(text) == bytes)
        #expect(text == Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: ""))
    }

    @Test("rejects non-canonical or foreign input", arguments: ["A", "AB", "ABC", "AAA=", "AA==", "A+B/", "A B", "Zm9vYg=="])
    func rejects(text: String) {
        // "AB" and "ABC" have non-zero unused bits; the canonical spellings are "AA" and "ABA".
        #expect(Base64URL.decode(text) == nil)
    }

    @Test("accepts canonical forms")
    func accepts() {
        #expect(Base64URL.decode("AA") == [0])
        #expect(Base64URL.decode("ABA") == [0, 16])
        #expect(Base64URL.decode("") == [])
        #expect(Base64URL.decode("_-8") == [0xFF, 0xEF])
    }
}
