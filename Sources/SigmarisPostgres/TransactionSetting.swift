/// A setting for one transaction besides its limits, sent like them as `SET LOCAL` in BEGIN's own
/// message (`TransactionStart`), so it costs no round trip and ends with the transaction behind any
/// pooler. The archive search uses it for pgvector's scan settings (`hnsw.ef_search`, ...).
///
/// Names and values are the code's constants, never text from outside; both are checked to be
/// plain words (letters, digits, `_`, `.`), which is all the SQL they are written into can hold.
public struct TransactionSetting: Sendable, Equatable {
    public let name: String
    public let value: String

    public init(_ name: String, _ value: String) {
        precondition(Self.isPlainWord(name), "a transaction setting's name must be a plain word: \(name)")
        precondition(Self.isPlainWord(value), "a transaction setting's value must be a plain word: \(value)")
        self.name = name
        self.value = value
    }

    static func isPlainWord(_ text: String) -> Bool {
        !text.isEmpty && text.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "_" || $0 == "."
        }
    }

    /// `SET LOCAL name = 'value'`: quoted, which any setting takes (a plain word needs no escaping).
    var sql: String { "SET LOCAL \(name) = '\(value)'" }
}
