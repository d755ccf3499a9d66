/// 64-bit FNV-1a, written out so embeddings are identical on every platform and every run.
///
/// Swift's `Hasher` is randomly seeded per process, which would make the local embeddings (and so
/// recall scores) change between restarts; FNV-1a is fixed, simple and fast enough for short texts.
public struct FNV1a64: Sendable, Equatable {
    public private(set) var value: UInt64 = PersonaConstants.Local.fnvOffsetBasis

    public init() {}

    public mutating func combine(_ byte: UInt8) {
        value ^= UInt64(byte)
        value &*= PersonaConstants.Local.fnvPrime
    }

    public mutating func combine(_ bytes: some Sequence<UInt8>) {
        for byte in bytes { combine(byte) }
    }

    /// Feeds the scalar's UTF-8 encoding (so hashes equal those of the UTF-8 text).
    public mutating func combine(_ scalar: Unicode.Scalar) {
        let value = scalar.value
        switch value {
        case 0..<0x80:
            combine(UInt8(value))
        case 0x80..<0x800:
            combine(UInt8(0xC0 | (value >> 6)))
            combine(UInt8(0x80 | (value & 0x3F)))
        case 0x800..<0x10000:
            combine(UInt8(0xE0 | (value >> 12)))
            combine(UInt8(0x80 | ((value >> 6) & 0x3F)))
            combine(UInt8(0x80 | (value & 0x3F)))
        default:
            combine(UInt8(0xF0 | (value >> 18)))
            combine(UInt8(0x80 | ((value >> 12) & 0x3F)))
            combine(UInt8(0x80 | ((value >> 6) & 0x3F)))
            combine(UInt8(0x80 | (value & 0x3F)))
        }
    }

    /// The hash of `bytes` in one go.
    public static func hash(_ bytes: some Sequence<UInt8>) -> UInt64 {
        var hasher = FNV1a64()
        hasher.combine(bytes)
        return hasher.value
    }
}
