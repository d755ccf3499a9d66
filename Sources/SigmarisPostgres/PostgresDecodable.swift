import Foundation

/// A Swift type that can be read from a text-format result cell.
public protocol PostgresDecodable: Sendable {
    /// `bytes` is `nil` for SQL NULL. Returns `nil` when the cell cannot be this type.
    init?(postgresText bytes: [UInt8]?, typeOID: UInt32)
}

/// A non-optional type decoded from a non-NULL cell.
public protocol PostgresNonNullDecodable: PostgresDecodable {
    init?(postgresText bytes: [UInt8], typeOID: UInt32)
}

extension PostgresNonNullDecodable {
    public init?(postgresText bytes: [UInt8]?, typeOID: UInt32) {
        guard let bytes else { return nil }
        self.init(postgresText: bytes, typeOID: typeOID)
    }
}

extension Optional: PostgresDecodable where Wrapped: PostgresNonNullDecodable {
    public init?(postgresText bytes: [UInt8]?, typeOID: UInt32) {
        guard let bytes else {
            self = .none
            return
        }
        guard let value = Wrapped(postgresText: bytes, typeOID: typeOID) else { return nil }
        self = .some(value)
    }
}

extension String: PostgresNonNullDecodable {
    public init?(postgresText bytes: [UInt8], typeOID: UInt32) {
        self = String(decoding: bytes, as: UTF8.self)
    }
}

extension Int: PostgresNonNullDecodable {
    public init?(postgresText bytes: [UInt8], typeOID: UInt32) {
        guard let value = Int(String(decoding: bytes, as: UTF8.self)) else { return nil }
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
}

extension Bool: PostgresNonNullDecodable {
    public init?(postgresText bytes: [UInt8], typeOID: UInt32) {
        switch bytes {
        case [UInt8(ascii: "t")]: self = true
        case [UInt8(ascii: "f")]: self = false
        default: return nil
        }
    }
}

extension UUID: PostgresNonNullDecodable {
    public init?(postgresText bytes: [UInt8], typeOID: UInt32) {
        guard let value = UUID(uuidString: String(decoding: bytes, as: UTF8.self)) else { return nil }
        self = value
    }
}

extension Date: PostgresNonNullDecodable {
    public init?(postgresText bytes: [UInt8], typeOID: UInt32) {
        guard let value = PostgresTimestamp.parse(String(decoding: bytes, as: UTF8.self)) else { return nil }
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
}

/// A `bytea` cell. Text results print bytea as `\x` + hex; decoding that is a single pass.
public struct PostgresBytes: PostgresNonNullDecodable, Equatable {
    public var bytes: [UInt8]
    public init(_ bytes: [UInt8]) { self.bytes = bytes }
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
