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
        var out = [UInt8]()
        out.reserveCapacity((text.count - 2) / 2)
        var i = 2
        while i < text.count {
            guard let hi = Self.nibble(text[i]), let lo = Self.nibble(text[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
            i += 2
        }
        self.bytes = out
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case 48...57: return c - 48
        case 97...102: return c - 87
        case 65...70: return c - 55
        default: return nil
        }
    }
}
