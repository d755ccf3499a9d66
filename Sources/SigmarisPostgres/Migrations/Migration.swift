import Foundation

/// One numbered SQL file of `sql/`, e.g. `0002_frontend_tables.sql`.
public struct Migration: Sendable, Equatable {
    /// The numeric prefix, which orders migrations.
    public let version: Int
    /// The file name, recorded in the tracking table.
    public let name: String
    public let sql: String

    /// A stable fingerprint of the file (FNV-1a 64), so an edited, already-applied file is noticed.
    public var checksum: String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in sql.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
    }

    /// Reads every `NNNN_name.sql` of a folder, ordered by number. Other files are ignored;
    /// two files with one number are an error, since their order would be a guess.
    public static func load(from directory: URL) throws(PostgresError) -> [Migration] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        } catch {
            throw PostgresError(.migrationFailed, detail: "cannot read migrations folder \(directory.path)")
        }
        var migrations = [Migration]()
        for name in names where name.hasSuffix(".sql") {
            guard let version = Int(name.prefix(while: \.isNumber)) else { continue }
            guard let data = FileManager.default.contents(atPath: directory.appendingPathComponent(name).path),
                  let sql = String(data: data, encoding: .utf8)
            else { throw PostgresError(.migrationFailed, detail: "cannot read \(name)") }
            migrations.append(Migration(version: version, name: name, sql: sql))
        }
        migrations.sort { $0.version < $1.version }
        for (a, b) in zip(migrations, migrations.dropFirst()) where a.version == b.version {
            throw PostgresError(.migrationFailed, detail: "\(a.name) and \(b.name) share version \(a.version)")
        }
        return migrations
    }
}
