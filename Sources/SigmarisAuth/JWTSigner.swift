import Foundation
import SigmarisJSON

/// Mints tokens for local development and tests: HS256 with a shared secret, RS256 or ES256 with a
/// PEM private key (the key's type picks the algorithm, as on the verifying side).
public struct JWTSigner: Sendable {
    public let algorithm: JWSAlgorithm
    /// Written as the header's `kid`, and as the `kid` of the derived public JWK.
    public let keyID: String?
    private let material: Material

    private enum Material: Sendable {
        case secret([UInt8])
        case privateKey(OpenSSLKey)
    }

    /// HS256 with `secret`'s UTF-8 bytes (Supabase's convention).
    public init(hmacSecret secret: String, keyID: String? = nil) throws(JWTSignerError) {
        guard !secret.isEmpty else { throw .emptySecret }
        self.algorithm = .hs256
        self.keyID = keyID
        self.material = .secret(Array(secret.utf8))
    }

    /// RS256 for an RSA key (2048 to 8192 bits), ES256 for an EC P-256 key; unencrypted PEM.
    public init(privateKeyPEM pem: String, keyID: String? = nil) throws(JWTSignerError) {
        guard let key = OpenSSLKey.privateKey(pem: pem) else { throw .invalidPrivateKey }
        switch key.kind {
        case .rsa: self.algorithm = .rs256
        case .ecP256: self.algorithm = .es256
        }
        self.keyID = keyID
        self.material = .privateKey(key)
    }

    /// A compact JWS of `claims` with the header `{"alg", "kid"?, "typ": "JWT"}`.
    public func sign(_ claims: JWTClaimsBuilder) throws(JWTSignerError) -> String {
        try sign(payloadJSON: claims.jsonData())
    }

    /// A compact JWS of arbitrary payload bytes. `headerJSON` replaces the header verbatim; tests use
    /// it to forge headers that lie (another `alg`, a foreign `kid`).
    public func sign(payloadJSON: Data, headerJSON: Data? = nil) throws(JWTSignerError) -> String {
        let header = headerJSON ?? defaultHeaderJSON()
        let signingInput = Base64URL.encode(header) + "." + Base64URL.encode(payloadJSON)
        return signingInput + "." + Base64URL.encode(try signature(for: Array(signingInput.utf8)))
    }

    /// The JOSE signature of `signingInput` (for ES256 the raw 64-byte r || s).
    public func signature(for signingInput: [UInt8]) throws(JWTSignerError) -> [UInt8] {
        switch material {
        case .secret(let secret):
            guard let tag = HMACSHA256.authenticate(signingInput, key: secret) else { throw .signingFailed }
            return tag
        case .privateKey(let key):
            guard let signature = key.sign(message: signingInput) else { throw .signingFailed }
            guard key.kind == .ecP256 else { return signature }
            guard let raw = ECDSASignature.raw(fromDER: signature) else { throw .signingFailed }
            return raw
        }
    }

    private func defaultHeaderJSON() -> Data {
        var header: [String: JSONValue] = ["alg": .string(algorithm.rawValue), "typ": "JWT"]
        if let keyID { header["kid"] = .string(keyID) }
        return Data(JWTClaimsBuilder.sortedObject(header).serialized().utf8)
    }

    // MARK: Public keys

    /// The public half as a JWK object (`kty`, `kid`, `alg`, `use`, and `n`/`e` or `crv`/`x`/`y`).
    public func publicJWK() throws(JWTSignerError) -> [String: String] {
        guard case .privateKey(let key) = material else { throw .noPublicKey }
        var jwk = ["alg": algorithm.rawValue, "use": "sig"]
        if let keyID { jwk["kid"] = keyID }
        switch key.publicComponents() {
        case .rsa(let modulus, let exponent):
            jwk["kty"] = "RSA"
            jwk["n"] = Base64URL.encode(modulus)
            jwk["e"] = Base64URL.encode(exponent)
        case .ecP256(let x, let y):
            jwk["kty"] = "EC"
            jwk["crv"] = "P-256"
            jwk["x"] = Base64URL.encode(x)
            jwk["y"] = Base64URL.encode(y)
        case nil:
            throw .invalidPrivateKey
        }
        return jwk
    }

    /// A JWKS document (`{"keys": [...]}`) with the public keys of `signers`, to serve in tests or
    /// development the way `/auth/v1/.well-known/jwks.json` does.
    public static func publicJWKS(of signers: [JWTSigner]) throws(JWTSignerError) -> Data {
        var keys: [[String: String]] = []
        for signer in signers { keys.append(try signer.publicJWK()) }
        let document = JWTClaimsBuilder.sortedObject([
            "keys": .array(keys.map { JWTClaimsBuilder.sortedObject($0.mapValues(JSONValue.string)) }),
        ])
        return Data(document.serialized().utf8)
    }

    /// The JWKS for one private PEM key, under `keyID`.
    public static func publicJWKS(privateKeyPEM pem: String, keyID: String) throws(JWTSignerError) -> Data {
        try publicJWKS(of: [JWTSigner(privateKeyPEM: pem, keyID: keyID)])
    }
}

/// Why a token could not be minted. Carries no key material.
public enum JWTSignerError: Error, Sendable, CustomStringConvertible {
    case emptySecret
    /// Not PEM, encrypted, or not an RSA (2048 to 8192 bits) or EC P-256 private key.
    case invalidPrivateKey
    case signingFailed
    /// An HS256 signer has no public key to publish.
    case noPublicKey

    public var description: String {
        switch self {
        case .emptySecret: return "JWTSignerError(empty HMAC secret)"
        case .invalidPrivateKey: return "JWTSignerError(not an unencrypted RSA 2048-8192 or EC P-256 private key in PEM)"
        case .signingFailed: return "JWTSignerError(signing failed)"
        case .noPublicKey: return "JWTSignerError(HS256 has no public key)"
        }
    }
}
