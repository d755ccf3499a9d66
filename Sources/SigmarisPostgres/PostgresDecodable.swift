import Foundation

/// A Swift type that can be read from a result cell, in either format (`PostgresFormat`).
public protocol PostgresDecodable: Sendable {
    /// `bytes` is `nil` for SQL NULL. Returns `nil` when the cell cannot be this type.
    init?(postgresText bytes: [UInt8]?, typeOID: UInt32)
    /// The same for a binary-format cell: the type's send form, which depends on `typeOID`.
    init?(postgresBinary bytes: [UInt8]?, typeOID: UInt32)
}

/// A non-optional type decoded from a non-NULL cell.
public protocol PostgresNonNullDecodable: PostgresDecodable {
    init?(postgresText bytes: [UInt8], typeOID: UInt32)
    init?(postgresBinary bytes: [UInt8], typeOID: UInt32)
}

extension PostgresNonNullDecodable {
    public init?(postgresText bytes: [UInt8]?, typeOID: UInt32) {
        guard let bytes else { return nil }
        self.init(postgresText: bytes, typeOID: typeOID)
    }

    public init?(postgresBinary bytes: [UInt8]?, typeOID: UInt32) {
        guard let bytes else { return nil }
        self.init(postgresBinary: bytes, typeOID: typeOID)
    }
}

extension Optional: PostgresDecodable where Wrapped: PostgresNonNullDecodable {
    public init?(postgresText bytes: [UInt8]?, typeOID: UInt32) {
        self.init(cell: bytes) { Wrapped(postgresText: $0, typeOID: typeOID) }
    }

    public init?(postgresBinary bytes: [UInt8]?, typeOID: UInt32) {
        self.init(cell: bytes) { Wrapped(postgresBinary: $0, typeOID: typeOID) }
    }

    /// SQL NULL is `.none`; a value that does not decode fails the whole cell.
    private init?(cell bytes: [UInt8]?, _ decode: ([UInt8]) -> Wrapped?) {
        guard let bytes else {
            self = .none
            return
        }
        guard let value = decode(bytes) else { return nil }
        self = .some(value)
    }
}

extension String: PostgresNonNullDecodable {
    public init?(postgresText bytes: [UInt8], typeOID: UInt32) {
        self = String(decoding: bytes, as: UTF8.self)
    }

    public init?(postgresBinary bytes: [UInt8], typeOID: UInt32) {
        if typeOID == PostgresBinary.TypeOID.jsonb {
            guard bytes.first == 1 else { return nil }
            self = String(decoding: bytes.dropFirst(), as: UTF8.self)
            return
        }
        guard PostgresBinary.isTextLike(typeOID) else { return nil }
        self = String(decoding: bytes, as: UTF8.self)
    }
}

extension Int: PostgresNonNullDecodable {
    public init?(postgresText bytes: [UInt8], typeOID: UInt32) {
        guard let value = Int(String(decoding: bytes, as: UTF8.self)) else { return nil }
        self = value
    }

    public init?(postgresBinary bytes: [UInt8], typeOID: UInt32) {
        guard let value = PostgresBinary.integer(bytes, typeOID: typeOID) else { return nil }
        self = value
    }
}

extension Double: PostgresNonNullDecodable {
    public init?(postgresText bytes: [UInt8], typeOID: UInt32) {
        let text = String(decoding: bytes, as: UTF8.self)
        switch text {
        case "NaN": self = .nan
        case "Infinity": self = .infinity
        case "-Infinity": self = -.infinity
        default:
            guard let value = Double(text) else { return nil }
            self = value
        }
    }

    public init?(postgresBinary bytes: [UInt8], typeOID: UInt32) {
        let raw = PostgresBinary.bigEndian(bytes)
        switch (typeOID, bytes.count) {
        case (PostgresBinary.TypeOID.float8, 8): self = Double(bitPattern: raw)
        case (PostgresBinary.TypeOID.float4, 4): self = Double(Float(bitPattern: UInt32(truncatingIfNeeded: raw)))
        default:
            guard let value = PostgresBinary.integer(bytes, typeOID: typeOID) else { return nil }
            self = Double(value)
        }
    }
}

extension Bool: PostgresNonNullDecodable {
    public init?(postgresText bytes: [UInt8], typeOID: UInt32) {
        switch bytes {
        case [UInt8(ascii: "t")]: self = true
        case [UInt8(ascii: "f")]: self = false
        default: return nil
        }
    }

    public init?(postgresBinary bytes: [UInt8], typeOID: UInt32) {
        guard typeOID == PostgresBinary.TypeOID.bool, bytes.count == 1, bytes[0] <= 1 else { return nil }
        self = bytes[0] == 1
    }
}

extension UUID: PostgresNonNullDecodable {
    public init?(postgresText bytes: [UInt8], typeOID: UInt32) {
        guard let value = UUID(uuidString: String(decoding: bytes, as: UTF8.self)) else { return nil }
        self = value
    }

    public init?(postgresBinary bytes: [UInt8], typeOID: UInt32) {
        guard typeOID == PostgresBinary.TypeOID.uuid, bytes.count == 16 else { return nil }
        self = UUID(uuid: (bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                           bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]))
    }
}

extension Date: PostgresNonNullDecodable {
    public init?(postgresText bytes: [UInt8], typeOID: UInt32) {
        guard let value = PostgresTimestamp.parse(String(decoding: bytes, as: UTF8.self)) else { return nil }
        self = value
    }

    public init?(postgresBinary bytes: [UInt8], typeOID: UInt32) {
        guard typeOID == PostgresBinary.TypeOID.timestamptz || typeOID == PostgresBinary.TypeOID.timestamp,
              let value = PostgresBinary.date(bytes)
        else { return nil }
        self = value
    }
}

/// A `json`/`jsonb` cell as its JSON text; parse it with whatever JSON reader the caller uses.
public struct PostgresJSON: PostgresNonNullDecodable, Equatable {
    public var text: String
    public init(text: String) { self.text = text }
    public init?(postgresText bytes: [UInt8], typeOID: UInt32) {
        self.text = String(decoding: bytes, as: UTF8.self)
    }

    public init?(postgresBinary bytes: [UInt8], typeOID: UInt32) {
        // `jsonb` sends a format version (1) before the text; `json` sends the text as it is.
        guard let text = String(postgresBinary: bytes, typeOID: typeOID),
              typeOID == PostgresBinary.TypeOID.jsonb || typeOID == PostgresBinary.TypeOID.json
        else { return nil }
        self.text = text
    }
}

/// A `bytea` cell. Text results print bytea as `\x` + hex, twice its size, decoded in a single pass;
/// binary results carry the bytes as they are, which is what large values (embeddings) should ask for.
public struct PostgresBytes: PostgresNonNullDecodable, Equatable {
    public var bytes: [UInt8]
    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    public init?(postgresBinary bytes: [UInt8], typeOID: UInt32) {
        guard typeOID == PostgresBinary.TypeOID.bytea else { return nil }
        self.bytes = bytes
    }

    public init?(postgresText text: [UInt8], typeOID: UInt32) {
        guard text.count >= 2, text[0] == UInt8(ascii: "\\"), text[1] == UInt8(ascii: "x"), text.count % 2 == 0 else {
            return nil
        }
        // Recall reads 50 embeddings of 1 KiB a turn as hex: a table lookup per digit, no optionals.
        let count = (text.count - 2) / 2
        var invalid: UInt8 = 0
        let out = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            text.withUnsafeBufferPointer { hex in
                for i in 0..<count {
                    let hi = Self.nibbles[Int(hex[2 + 2 * i])], lo = Self.nibbles[Int(hex[3 + 2 * i])]
                    invalid |= (hi | lo) & Self.invalidNibble
                    buffer[i] = hi << 4 | (lo & 0x0F)
                }
            }
            initialized = count
        }
        guard invalid == 0 else { return nil }
        self.bytes = out
    }

    private static let invalidNibble: UInt8 = 0x80

    /// The value of each hex digit; `invalidNibble` for every other byte.
    private static let nibbles: [UInt8] = (0...255).map { (c: Int) -> UInt8 in
        switch c {
        case 48...57: UInt8(c - 48)
        case 97...102: UInt8(c - 87)
        case 65...70: UInt8(c - 55)
        default: invalidNibble
        }
    }
}
