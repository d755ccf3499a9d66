import CLibcrypto

// Short-lived OpenSSL objects, each owned by one final class and freed in its one `deinit`.
//
// None of these is Sendable: they live inside a single synchronous function (building a key, one
// signature check), so they never cross a concurrency boundary. A local owner stays alive to the end
// of its scope across calls into C (Swift's lexical lifetimes); pointers borrowed from an owner
// (`get0` results) are read inside `withExtendedLifetime` all the same, to make that visible.

/// `EVP_MD_CTX`: one digest-sign or digest-verify operation.
final class DigestContext {
    let pointer: OpaquePointer

    init?() {
        guard let pointer = EVP_MD_CTX_new() else { return nil }
        self.pointer = pointer
    }

    deinit { EVP_MD_CTX_free(pointer) }
}

/// `EVP_PKEY_CTX`: key construction (`EVP_PKEY_fromdata`) and key checks.
final class PKeyContext {
    let pointer: OpaquePointer

    init?(algorithmName: String) {
        guard let pointer = EVP_PKEY_CTX_new_from_name(nil, algorithmName, nil) else { return nil }
        self.pointer = pointer
    }

    init?(key: OpenSSLKey) {
        guard let pointer = EVP_PKEY_CTX_new_from_pkey(nil, key.handle.pointer, nil) else { return nil }
        self.pointer = pointer
    }

    deinit { EVP_PKEY_CTX_free(pointer) }
}

/// `BIGNUM`: key components on their way into or out of OpenSSL.
final class BigNumber {
    let pointer: OpaquePointer

    /// Big-endian unsigned bytes, as JWK `n`, `e`, `x`, `y` carry them.
    init?(bigEndian bytes: [UInt8]) {
        guard let pointer = BN_bin2bn(bytes, Int32(bytes.count), nil) else { return nil }
        self.pointer = pointer
    }

    /// Takes ownership of a BIGNUM OpenSSL allocated for us (`EVP_PKEY_get_bn_param`).
    init(owning pointer: OpaquePointer) {
        self.pointer = pointer
    }

    /// Minimal big-endian bytes, or exactly `length` bytes (left-padded) when given.
    func bytes(paddedTo length: Int? = nil) -> [UInt8]? {
        withExtendedLifetime(self) { Self.bytes(of: pointer, paddedTo: length) }
    }

    /// The same for a BIGNUM borrowed from another object (a `get0` result); nil when it does not
    /// fit in `length` bytes.
    static func bytes(of pointer: OpaquePointer?, paddedTo length: Int? = nil) -> [UInt8]? {
        guard let pointer else { return nil }
        let minimal = (Int(BN_num_bits(pointer)) + 7) / 8
        let count = length ?? minimal
        guard count >= minimal else { return nil }
        var output = [UInt8](repeating: 0, count: count)
        guard BN_bn2binpad(pointer, &output, Int32(count)) == Int32(count) else { return nil }
        return output
    }

    deinit { BN_clear_free(pointer) }
}

/// `OSSL_PARAM_BLD`: collects key components for `EVP_PKEY_fromdata`.
///
/// The builder records pointers to pushed values and copies them only in `build()`, so everything
/// pushed is kept alive here until the builder itself goes. Names must be static C strings (see the
/// `sigmaris_param_*` helpers in the C shim): the built array points at them.
final class ParamBuilder {
    let pointer: OpaquePointer
    private var numbers: [BigNumber] = []
    private var buffers: [UnsafeMutableBufferPointer<UInt8>] = []

    init?() {
        guard let pointer = OSSL_PARAM_BLD_new() else { return nil }
        self.pointer = pointer
    }

    func push(_ name: UnsafePointer<CChar>, _ number: BigNumber) -> Bool {
        numbers.append(number)
        return OSSL_PARAM_BLD_push_BN(pointer, name, number.pointer) == 1
    }

    func push(_ name: UnsafePointer<CChar>, utf8 value: UnsafePointer<CChar>) -> Bool {
        OSSL_PARAM_BLD_push_utf8_string(pointer, name, value, 0) == 1
    }

    func push(_ name: UnsafePointer<CChar>, octets bytes: [UInt8]) -> Bool {
        let copy = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: max(bytes.count, 1))
        _ = copy.initialize(from: bytes)
        buffers.append(copy)
        return OSSL_PARAM_BLD_push_octet_string(pointer, name, copy.baseAddress, bytes.count) == 1
    }

    func build() -> ParamList? {
        guard let params = OSSL_PARAM_BLD_to_param(pointer) else { return nil }
        return ParamList(owning: params)
    }

    deinit {
        OSSL_PARAM_BLD_free(pointer)
        for buffer in buffers { buffer.deallocate() }
    }
}

/// The `OSSL_PARAM` array a `ParamBuilder` produced.
final class ParamList {
    let pointer: UnsafeMutablePointer<OSSL_PARAM>

    init(owning pointer: UnsafeMutablePointer<OSSL_PARAM>) {
        self.pointer = pointer
    }

    deinit { OSSL_PARAM_free(pointer) }
}

/// `ECDSA_SIG`: the (r, s) pair an ECDSA signature is, for converting between JOSE and DER forms.
final class ECDSASignatureHandle {
    let pointer: OpaquePointer

    init?() {
        guard let pointer = ECDSA_SIG_new() else { return nil }
        self.pointer = pointer
    }

    init(owning pointer: OpaquePointer) {
        self.pointer = pointer
    }

    deinit { ECDSA_SIG_free(pointer) }
}

/// A read-only memory `BIO` over PEM text.
final class MemoryBIO {
    let pointer: OpaquePointer
    /// `BIO_new_mem_buf` does not copy; the bytes must live as long as the BIO.
    private let storage: UnsafeMutableBufferPointer<UInt8>

    init?(_ bytes: [UInt8]) {
        let storage = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: max(bytes.count, 1))
        _ = storage.initialize(from: bytes)
        guard let pointer = BIO_new_mem_buf(storage.baseAddress, Int32(bytes.count)) else {
            storage.deallocate()
            return nil
        }
        self.pointer = pointer
        self.storage = storage
    }

    deinit {
        BIO_free(pointer)
        storage.deallocate()
    }
}
