import CLibcrypto

/// Sole owner of one OpenSSL `EVP_PKEY`, freed in `deinit` and nowhere else.
///
/// `@unchecked Sendable` is sound because:
/// - the key is never mutated after `init`: no setter is exposed, and every OpenSSL call made on it
///   (`EVP_DigestVerifyInit`, `EVP_DigestSignInit`, `EVP_PKEY_get_*`, `EVP_PKEY_is_a`) reads it;
/// - each signature operation creates its own `EVP_MD_CTX`/`EVP_PKEY_CTX` (`DigestContext`), and
///   openssl-threads(7) states that objects are thread-safe as long as the APIs invoked do not modify
///   them, and that internal cached state is updated under locks;
/// - the state those init calls do touch inside the shared key is exactly such a case: the reference
///   count (atomic) and the provider export cache, which `evp_keymgmt_util_export_to_provider`
///   (crypto/evp/keymgmt_lib.c) guards with the key's own lock. Keys built by `EVP_PKEY_fromdata` or
///   decoded from PEM are provider-native, so in practice not even that cache is written;
/// - `pointer` is a `let`, and `EVP_PKEY_free` runs once, in `deinit`, when no reference is left.
final class EVPKey: @unchecked Sendable {
    let pointer: OpaquePointer

    /// Takes ownership: from here on only `deinit` frees the key.
    init(owning pointer: OpaquePointer) {
        self.pointer = pointer
    }

    deinit { EVP_PKEY_free(pointer) }
}

/// An RSA (2048 to 8192 bits) or EC P-256 key, public or private: the only key shapes this module
/// signs or verifies with. The shape is fixed at construction, and it alone decides the algorithm.
struct OpenSSLKey: Sendable {
    enum Kind: Sendable {
        case rsa
        case ecP256
    }

    /// RSA keys below this size are refused: 2048 bits is the floor every current guideline sets.
    static let minimumRSABits = 2048
    /// Above this, verification gets slow enough to be a denial-of-service lever.
    static let maximumRSABits = 8192

    let handle: EVPKey
    let kind: Kind
    let isPrivate: Bool

    /// Nil for any other key type, curve or size; the `EVPKey` is then simply released.
    private init?(_ key: EVPKey, isPrivate: Bool) {
        if EVP_PKEY_is_a(key.pointer, "RSA") == 1 {
            let bits = Int(EVP_PKEY_get_bits(key.pointer))
            guard (Self.minimumRSABits...Self.maximumRSABits).contains(bits) else { return nil }
            kind = .rsa
        } else if EVP_PKEY_is_a(key.pointer, "EC") == 1, Self.groupName(of: key) == "prime256v1" {
            kind = .ecP256
        } else {
            return nil
        }
        self.handle = key
        self.isPrivate = isPrivate
    }

    // MARK: Construction

    /// An RSA public key from the JWK `n` and `e` (big-endian unsigned integers).
    static func rsaPublicKey(modulus: [UInt8], exponent: [UInt8]) -> OpenSSLKey? {
        guard let n = BigNumber(bigEndian: modulus), let e = BigNumber(bigEndian: exponent) else {
            return failed()
        }
        return fromData(algorithm: "RSA") { builder in
            builder.push(sigmaris_param_rsa_n(), n) && builder.push(sigmaris_param_rsa_e(), e)
        }
    }

    /// A P-256 public key from the JWK `x` and `y` (32 bytes each).
    static func p256PublicKey(x: [UInt8], y: [UInt8]) -> OpenSSLKey? {
        guard x.count == 32, y.count == 32 else { return nil }
        // SEC 1 uncompressed point: 0x04 || x || y.
        let point = [0x04] + x + y
        return fromData(algorithm: "EC") { builder in
            builder.push(sigmaris_param_group_name(), utf8: sigmaris_curve_p256())
                && builder.push(sigmaris_param_public_key(), octets: point)
        }
    }

    /// An RSA or EC P-256 private key from unencrypted PEM (PKCS#8 or the traditional forms).
    static func privateKey(pem: String) -> OpenSSLKey? {
        guard let bio = MemoryBIO(Array(pem.utf8)) else { return failed() }
        // A non-nil callback that supplies no passphrase: with nil, OpenSSL would prompt on the
        // terminal for an encrypted key.
        let pkey = PEM_read_bio_PrivateKey(bio.pointer, nil, { _, _, _, _ in 0 }, nil)
        guard let pkey else { return failed() }
        return OpenSSLKey(EVPKey(owning: pkey), isPrivate: true)
    }

    private static func fromData(algorithm: String, push: (ParamBuilder) -> Bool) -> OpenSSLKey? {
        guard let builder = ParamBuilder(), push(builder), let params = builder.build(),
              let context = PKeyContext(algorithmName: algorithm),
              EVP_PKEY_fromdata_init(context.pointer) == 1
        else { return failed() }
        var pkey: OpaquePointer?
        guard EVP_PKEY_fromdata(context.pointer, &pkey, sigmaris_evp_pkey_public_key_selection(), params.pointer) == 1,
              let pkey
        else { return failed() }
        guard let key = OpenSSLKey(EVPKey(owning: pkey), isPrivate: false) else { return nil }
        // Rejects points off the curve and RSA values no real key has (even n, e of 1) before the key
        // is trusted with a single verification.
        guard let check = PKeyContext(key: key), EVP_PKEY_public_check(check.pointer) == 1 else {
            return failed()
        }
        return key
    }

    // MARK: Use

    /// Checks a SHA-256 signature (PKCS#1 v1.5 for RSA, DER-encoded ECDSA for EC).
    func verify(signature: [UInt8], message: [UInt8]) -> Bool {
        guard let context = DigestContext() else { return Self.failedCheck() }
        guard EVP_DigestVerifyInit(context.pointer, nil, EVP_sha256(), nil, handle.pointer) == 1,
              EVP_DigestVerify(context.pointer, signature, signature.count, message, message.count) == 1
        else { return Self.failedCheck() }
        return true
    }

    /// A SHA-256 signature (PKCS#1 v1.5 for RSA, DER-encoded ECDSA for EC); private keys only.
    func sign(message: [UInt8]) -> [UInt8]? {
        guard isPrivate, let context = DigestContext(),
              EVP_DigestSignInit(context.pointer, nil, EVP_sha256(), nil, handle.pointer) == 1
        else { return Self.failed() }
        var length = 0
        guard EVP_DigestSign(context.pointer, nil, &length, message, message.count) == 1 else { return Self.failed() }
        var signature = [UInt8](repeating: 0, count: length)
        guard EVP_DigestSign(context.pointer, &signature, &length, message, message.count) == 1 else {
            return Self.failed()
        }
        // For ECDSA the first call returns the maximum DER size; the second the actual one.
        return Array(signature.prefix(length))
    }

    /// The public values a JWK publishes.
    enum PublicComponents {
        case rsa(modulus: [UInt8], exponent: [UInt8])
        /// Each coordinate is the full 32 bytes, leading zeros included (RFC 7518 6.2.1.2).
        case ecP256(x: [UInt8], y: [UInt8])
    }

    func publicComponents() -> PublicComponents? {
        switch kind {
        case .rsa:
            guard let n = bigNumberParameter(sigmaris_param_rsa_n()),
                  let e = bigNumberParameter(sigmaris_param_rsa_e())
            else { return nil }
            return .rsa(modulus: n, exponent: e)
        case .ecP256:
            guard let x = bigNumberParameter(sigmaris_param_ec_pub_x(), paddedTo: 32),
                  let y = bigNumberParameter(sigmaris_param_ec_pub_y(), paddedTo: 32)
            else { return nil }
            return .ecP256(x: x, y: y)
        }
    }

    private func bigNumberParameter(_ name: UnsafePointer<CChar>, paddedTo length: Int? = nil) -> [UInt8]? {
        var raw: OpaquePointer?
        guard EVP_PKEY_get_bn_param(handle.pointer, name, &raw) == 1, let raw else { return Self.failed() }
        return BigNumber(owning: raw).bytes(paddedTo: length)
    }

    private static func groupName(of key: EVPKey) -> String? {
        var buffer = [CChar](repeating: 0, count: 64)
        var length = 0
        guard EVP_PKEY_get_group_name(key.pointer, &buffer, buffer.count, &length) == 1 else { return failed() }
        return String(decoding: buffer.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// OpenSSL queues an error record per failure on the calling thread; dropping them here keeps a
    /// stream of bad tokens from growing the queue, and a later unrelated call from misreading it.
    private static func failed<T>() -> T? {
        ERR_clear_error()
        return nil
    }

    private static func failedCheck() -> Bool {
        ERR_clear_error()
        return false
    }
}
