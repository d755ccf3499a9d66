import Foundation

/// A query parameter. Statements are sent with `PQexecPrepared`, or `PQexecParams` where prepared
/// statements are off (a transaction-mode pooler), so values never become part of the SQL text.
public enum PostgresValue: Sendable, Equatable {
    case null
    case text(String)
    case int(Int)
    case double(Double)
    case bool(Bool)
    case uuid(UUID)
    case timestamp(Date)
    /// JSON text, sent as `jsonb`.
    case jsonb(String)
    /// Raw bytes, sent in binary format (no hex round trip).
    case bytea([UInt8])

    /// The type OID libpq announces for the parameter, so `$n` needs no cast in SQL.
    var typeOID: UInt32 {
        switch self {
        case .null: return 0
        case .text: return 25
        case .int: return 20
        case .double: return 701
        case .bool: return 16
        case .uuid: return 2950
        case .timestamp: return 1184
        case .jsonb: return 3802
        case .bytea: return 17
        }
    }

    /// The wire form: text for everything but `bytea`.
    var wireBytes: [UInt8]? {
        switch self {
        case .null: return nil
        case .text(let s), .jsonb(let s): return Array(s.utf8)
        case .int(let i): return Array(String(i).utf8)
        case .double(let d): return Array(Self.postgresText(d).utf8)
        case .bool(let b): return Array((b ? "t" : "f").utf8)
        case .uuid(let u): return Array(u.uuidString.utf8)
        case .timestamp(let d): return Array(PostgresTimestamp.format(d).utf8)
        case .bytea(let bytes): return bytes
        }
    }

    var isBinary: Bool {
        if case .bytea = self { return true }
        return false
    }

    private static func postgresText(_ d: Double) -> String {
        if d.isNaN { return "NaN" }
        if d.isInfinite { return d > 0 ? "Infinity" : "-Infinity" }
        return "\(d)"
    }
}

extension PostgresValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByNilLiteral {
    public init(stringLiteral value: String) { self = .text(value) }
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(nilLiteral: ()) { self = .null }
}

extension Optional where Wrapped == String {
    /// `nil` becomes SQL NULL.
    public var postgresValue: PostgresValue { map(PostgresValue.text) ?? .null }
}
