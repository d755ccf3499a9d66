/// The result of one statement, copied out of libpq's `PGresult` so it outlives the connection lease.
public struct PostgresRows: Sendable {
    /// Column names in result order.
    public let columns: [String]
    /// Type OIDs in result order (`pg_type.oid`).
    public let columnTypes: [UInt32]
    /// The format of each column's cells, in result order (`PQfformat`).
    public let columnFormats: [PostgresFormat]
    /// Cells as the server sent them (see `columnFormats`), row-major; `nil` is SQL NULL.
    let cells: [[UInt8]?]
    /// Rows affected by INSERT/UPDATE/DELETE (`PQcmdTuples`), 0 otherwise.
    public let affectedRows: Int

    init(columns: [String], columnTypes: [UInt32], columnFormats: [PostgresFormat], cells: [[UInt8]?], affectedRows: Int) {
        self.columns = columns
        self.columnTypes = columnTypes
        self.columnFormats = columnFormats
        self.cells = cells
        self.affectedRows = affectedRows
    }

    public var count: Int { columns.isEmpty ? 0 : cells.count / columns.count }
    public var isEmpty: Bool { count == 0 }

    public subscript(index: Int) -> PostgresRow {
        precondition(index >= 0 && index < count, "row index out of range")
        return PostgresRow(rows: self, index: index)
    }

    public var first: PostgresRow? { isEmpty ? nil : self[0] }

    func columnIndex(_ name: String) -> Int? { columns.firstIndex(of: name) }
}

extension PostgresRows: RandomAccessCollection {
    public var startIndex: Int { 0 }
    public var endIndex: Int { count }
}

/// One row of a `PostgresRows`, decoded by column name.
public struct PostgresRow: Sendable {
    let rows: PostgresRows
    let index: Int

    /// Decodes a column; a NULL decodes only into an `Optional`.
    public func decode<T: PostgresDecodable>(_ type: T.Type = T.self, _ column: String) throws(PostgresError) -> T {
        guard let c = rows.columnIndex(column) else {
            throw PostgresError(.decodingFailed, column: column, detail: "no such column in result")
        }
        let cell = rows.cells[index * rows.columns.count + c]
        let decoded = switch rows.columnFormats[c] {
        case .text: T(postgresText: cell, typeOID: rows.columnTypes[c])
        case .binary: T(postgresBinary: cell, typeOID: rows.columnTypes[c])
        }
        guard let value = decoded else {
            throw PostgresError(.decodingFailed, column: column, detail: "cannot decode as \(T.self)")
        }
        return value
    }

    /// Whether the column holds SQL NULL.
    public func isNull(_ column: String) -> Bool {
        guard let c = rows.columnIndex(column) else { return true }
        return rows.cells[index * rows.columns.count + c] == nil
    }
}
