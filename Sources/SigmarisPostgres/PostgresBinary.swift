import Foundation

/// Reading the binary send forms of the types the service decodes (`typsend` in the Postgres sources):
/// integers and floats are big-endian, `timestamptz` is int64 microseconds since 2000-01-01 UTC, text
/// and `bytea` are their raw bytes, `jsonb` is a version byte and the JSON text.
enum PostgresBinary {
    enum TypeOID {
        static let bool: UInt32 = 16
        static let bytea: UInt32 = 17
        static let name: UInt32 = 19
        static let int8: UInt32 = 20
        static let int2: UInt32 = 21
        static let int4: UInt32 = 23
        static let text: UInt32 = 25
        static let oid: UInt32 = 26
        static let json: UInt32 = 114
        static let float4: UInt32 = 700
        static let float8: UInt32 = 701
        static let unknown: UInt32 = 705
        static let bpchar: UInt32 = 1042
        static let varchar: UInt32 = 1043
        static let timestamp: UInt32 = 1114
        static let timestamptz: UInt32 = 1184
        static let uuid: UInt32 = 2950
        static let jsonb: UInt32 = 3802
    }

    /// Types whose binary form is their text in the client encoding (UTF-8 here).
    static func isTextLike(_ typeOID: UInt32) -> Bool {
        switch typeOID {
        case TypeOID.text, TypeOID.varchar, TypeOID.bpchar, TypeOID.name, TypeOID.unknown, TypeOID.json: true
        default: false
        }
    }

    /// The big-endian unsigned value of `bytes` (at most 8 of them).
    static func bigEndian(_ bytes: [UInt8]) -> UInt64 {
        var value: UInt64 = 0
        for byte in bytes { value = value << 8 | UInt64(byte) }
        return value
    }

    /// An `int2`, `int4`, `int8` or `oid` cell.
    static func integer(_ bytes: [UInt8], typeOID: UInt32) -> Int? {
        let raw = bigEndian(bytes)
        switch (typeOID, bytes.count) {
        case (TypeOID.int2, 2): return Int(Int16(truncatingIfNeeded: raw))
        case (TypeOID.int4, 4): return Int(Int32(truncatingIfNeeded: raw))
        case (TypeOID.int8, 8): return Int(Int64(bitPattern: raw))
        case (TypeOID.oid, 4): return Int(UInt32(truncatingIfNeeded: raw))
        default: return nil
        }
    }

    /// Seconds from 2000-01-01 (Postgres's epoch) back to 2001-01-01 (`Date`'s reference date): 366 days.
    static let postgresEpochBeforeReferenceDate: Int64 = 31_622_400

    /// A `timestamptz`/`timestamp` cell; nil for `infinity`/`-infinity` (the text form rejects them too).
    static func date(_ bytes: [UInt8]) -> Date? {
        guard bytes.count == 8 else { return nil }
        let micros = Int64(bitPattern: bigEndian(bytes))
        guard micros != .max, micros != .min else { return nil }
        return date(microsecondsSincePostgresEpoch: micros)
    }

    static func date(microsecondsSincePostgresEpoch micros: Int64) -> Date {
        // One rounding only: the integer shift is exact, the division is correctly rounded.
        Date(timeIntervalSinceReferenceDate: Double(micros - postgresEpochBeforeReferenceDate * 1_000_000) / 1_000_000)
    }
}
