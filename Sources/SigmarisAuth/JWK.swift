import Foundation

/// One usable public key from a JWKS: an RSA key (RS256 only) or an EC P-256 key (ES256 only).
///
/// The key type fixes the algorithm. A JWK's own `alg`, when present, must agree, or the key is not
/// used at all; there is no way to build a `JWK` that verifies with two algorithms.
public struct JWK: Sendable {
    public let keyID: String?
    public let algorithm: JWSAlgorithm
    let key: OpenSSLKey

    init(keyID: String?, key: OpenSSLKey) {
        self.keyID = keyID
        self.key = key
        switch key.kind {
        case .rsa: algorithm = .rs256
        case .ecP256: algorithm = .es256
        }
    }

    /// Checks a JOSE signature over `signingInput` with this key and its one algorithm.
    func verify(signature: [UInt8], signingInput: [UInt8]) -> Bool {
        switch key.kind {
        case .rsa:
            return key.verify(signature: signature, message: signingInput)
        case .ecP256:
            // JOSE carries r || s; anything but 64 bytes is refused before OpenSSL sees it.
            guard let der = ECDSASignature.der(fromRaw: signature) else { return false }
            return key.verify(signature: der, message: signingInput)
        }
    }
}

/// The members of a JWK object this module reads; anything else is ignored.
struct JWKObject: Decodable {
    let kty: String?
    let kid: String?
    let alg: String?
    let use: String?
    let keyOps: [String]?
    let crv: String?
    let n: String?
    let e: String?
    let x: String?
    let y: String?

    private enum CodingKeys: String, CodingKey {
        case kty, kid, alg, use, crv, n, e, x, y
        case keyOps = "key_ops"
    }

    /// Why a key in a set is skipped; for logs, and never fatal to the rest of the set.
    enum Rejection: String, Error {
        case unsupportedKeyType = "unsupported key type"
        case unsupportedCurve = "unsupported curve"
        case algorithmMismatch = "alg does not match the key type"
        case notForSignatures = "use/key_ops does not allow verification"
        case badKeyMaterial = "invalid key material"
    }

    func usableKey() throws(Rejection) -> JWK {
        if let use, use != "sig" { throw .notForSignatures }
        if let keyOps, !keyOps.contains("verify") { throw .notForSignatures }
        let key: OpenSSLKey
        switch kty {
        case "RSA":
            if let alg, alg != JWSAlgorithm.rs256.rawValue { throw .algorithmMismatch }
            // Bounds before decoding: 8192-bit modulus, 64-bit exponent.
            guard let n, let e, n.utf8.count <= 1366, e.utf8.count <= 11,
                  let modulus = Base64URL.decode(n), let exponent = Base64URL.decode(e),
                  let built = OpenSSLKey.rsaPublicKey(modulus: modulus, exponent: exponent)
            else { throw .badKeyMaterial }
            key = built
        case "EC":
            guard crv == "P-256" else { throw .unsupportedCurve }
            if let alg, alg != JWSAlgorithm.es256.rawValue { throw .algorithmMismatch }
            guard let x, let y, let xBytes = Base64URL.decode(x), let yBytes = Base64URL.decode(y),
                  let built = OpenSSLKey.p256PublicKey(x: xBytes, y: yBytes)
            else { throw .badKeyMaterial }
            key = built
        default:
            // "oct" in particular: a shared secret published in a fetched document is never trusted.
            throw .unsupportedKeyType
        }
        return JWK(keyID: kid, key: key)
    }
}
