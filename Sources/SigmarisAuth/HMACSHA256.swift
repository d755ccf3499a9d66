import CLibcrypto

/// HS256: HMAC-SHA256 over the signing input with the project's shared secret.
enum HMACSHA256 {
    static let tagLength = 32

    static func authenticate(_ message: [UInt8], key: [UInt8]) -> [UInt8]? {
        // An empty key would make every token forgeable; configuration refuses it, this is the backstop.
        guard !key.isEmpty, key.count <= Int(Int32.max) else { return nil }
        var tag = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        guard HMAC(EVP_sha256(), key, Int32(key.count), message, message.count, &tag, &length) != nil,
              Int(length) == tagLength
        else {
            ERR_clear_error()
            return nil
        }
        return Array(tag.prefix(tagLength))
    }

    /// Compares in constant time (`CRYPTO_memcmp`), so response timing does not reveal how many
    /// leading bytes of a forged tag were right. The length is public (always 32), so checking it
    /// first leaks nothing.
    static func verify(tag: [UInt8], message: [UInt8], key: [UInt8]) -> Bool {
        guard tag.count == tagLength, let expected = authenticate(message, key: key) else { return false }
        return CRYPTO_memcmp(expected, tag, tagLength) == 0
    }
}
