import CLibcrypto

/// Converts ES256 signatures between the JOSE form and the DER form OpenSSL speaks.
///
/// JWS (RFC 7518 3.4) carries an ECDSA signature as the fixed-width concatenation r || s, 32 bytes
/// each for P-256; OpenSSL's EVP API wants the ASN.1 `ECDSA-Sig-Value` SEQUENCE. Any other length
/// is refused outright rather than padded or trimmed, so one signature has exactly one encoding.
enum ECDSASignature {
    static let p256ComponentLength = 32
    static let p256RawLength = 2 * p256ComponentLength

    /// DER from raw r || s, or nil unless `raw` is exactly 64 bytes.
    static func der(fromRaw raw: [UInt8]) -> [UInt8]? {
        guard raw.count == p256RawLength, let signature = ECDSASignatureHandle() else { return nil }
        let half = p256ComponentLength
        // These two BIGNUMs are handed to the ECDSA_SIG (set0 takes ownership) at once, so they are
        // freed by the ECDSA_SIG's owner; they are only freed here when the hand-over fails.
        let r = raw.withUnsafeBufferPointer { BN_bin2bn($0.baseAddress, Int32(half), nil) }
        let s = raw.withUnsafeBufferPointer { BN_bin2bn($0.baseAddress! + half, Int32(half), nil) }
        guard let r, let s, ECDSA_SIG_set0(signature.pointer, r, s) == 1 else {
            BN_free(r)
            BN_free(s)
            ERR_clear_error()
            return nil
        }
        let length = i2d_ECDSA_SIG(signature.pointer, nil)
        guard length > 0 else { return nil }
        var der = [UInt8](repeating: 0, count: Int(length))
        let written = der.withUnsafeMutableBufferPointer { buffer -> Int32 in
            var cursor = buffer.baseAddress
            return i2d_ECDSA_SIG(signature.pointer, &cursor)
        }
        guard written == length else { return nil }
        return der
    }

    /// Raw r || s (64 bytes) from DER, or nil when the DER is not a P-256-sized signature.
    static func raw(fromDER der: [UInt8]) -> [UInt8]? {
        let parsed = der.withUnsafeBufferPointer { buffer -> OpaquePointer? in
            var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
            return d2i_ECDSA_SIG(nil, &cursor, buffer.count)
        }
        guard let parsed else {
            ERR_clear_error()
            return nil
        }
        let signature = ECDSASignatureHandle(owning: parsed)
        // get0: r and s are borrowed from the ECDSA_SIG, so it must stay alive while they are read.
        return withExtendedLifetime(signature) {
            guard let r = BigNumber.bytes(of: ECDSA_SIG_get0_r(signature.pointer), paddedTo: p256ComponentLength),
                  let s = BigNumber.bytes(of: ECDSA_SIG_get0_s(signature.pointer), paddedTo: p256ComponentLength)
            else { return nil }
            return r + s
        }
    }
}
