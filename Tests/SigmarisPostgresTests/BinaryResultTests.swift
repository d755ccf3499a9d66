import Foundation
import SigmarisTestSupport
import Testing
@testable import SigmarisPostgres

/// Every type the service decodes, asked for in binary results from the real server: what arrives is
/// the type's send form, and it must decode to what the text form decodes to.
@Suite("Binary-format results against a real database", .enabled(if: TestDatabase.shouldRun))
struct BinaryResultTests {
    static let typedSQL = """
    SELECT $1::text AS t, $1::varchar AS v, $1::name AS n, $2::int2 AS i2, $2::int4 AS i4, $3::int8 AS i8,
           $4::float8 AS f8, $4::float4 AS f4, $5::bool AS b, $6::uuid AS u, $7::timestamptz AS ts,
           $8::jsonb AS jb, $8::json AS j, $9::bytea AS bytes, NULL::bytea AS missing, ''::bytea AS empty
    """

    @Test func everyColumnDecodesFromItsBinaryForm() async throws {
        try await TestDatabase.withMigratedClient { client in
            let id = UUID()
            let when = Date(timeIntervalSince1970: 1_795_583_110.123456)
            let everyByte = (0...255).map { UInt8($0) }
            let parameters: [PostgresValue] = [
                .text("héllo こんにちは"), .int(-1234), .int(-9_000_000_000_123), .double(0.15625), .bool(true), .uuid(id),
                .timestamp(when), .jsonb(#"{"a": [1, 2], "b": "ü"}"#), .bytea(everyByte),
            ]
            let binary = try await client.withConnection { try $0.query(Self.typedSQL, parameters, resultFormat: .binary) }
            let text = try await client.withConnection { try $0.query(Self.typedSQL, parameters) }
            #expect(binary.columnFormats.allSatisfy { $0 == .binary })
            #expect(text.columnFormats.allSatisfy { $0 == .text })
            let row = try #require(binary.first), textRow = try #require(text.first)

            for column in ["t", "v", "n"] {
                #expect(try row.decode(String.self, column) == "héllo こんにちは")
            }
            #expect(try row.decode(Int.self, "i2") == -1234)
            #expect(try row.decode(Int.self, "i4") == -1234)
            #expect(try row.decode(Int.self, "i8") == -9_000_000_000_123)
            #expect(try row.decode(Double.self, "f8") == 0.15625)
            #expect(try row.decode(Double.self, "f4") == 0.15625)
            #expect(try row.decode(Bool.self, "b") == true)
            #expect(try row.decode(UUID.self, "u") == id)
            #expect(try row.decode(Date.self, "ts") == PostgresTimestamp.stored(when))
            #expect(abs(try row.decode(Date.self, "ts").timeIntervalSince(try textRow.decode(Date.self, "ts"))) < 1e-6)
            #expect(try row.decode(PostgresJSON.self, "jb") == textRow.decode(PostgresJSON.self, "jb"))
            #expect(try row.decode(PostgresJSON.self, "j").text == #"{"a": [1, 2], "b": "ü"}"#)
            #expect(try row.decode(PostgresBytes.self, "bytes").bytes == everyByte)
            #expect(try row.decode(PostgresBytes?.self, "missing") == nil)
            #expect(try row.decode(PostgresBytes.self, "empty").bytes == [])
            // A binary cell is only read as a type it can be: no silent reinterpretation.
            #expect(throws: PostgresError.self) { try row.decode(Int.self, "t") }
            #expect(throws: PostgresError.self) { try row.decode(String.self, "i4") }
            #expect(throws: PostgresError.self) { try row.decode(Date.self, "i8") }
            #expect(throws: PostgresError.self) { try row.decode(PostgresBytes.self, "missing") }
        }
    }

    @Test func falseAndNegativeAndExtremeValues() async throws {
        try await TestDatabase.withMigratedClient { client in
            let rows = try await client.withConnection {
                try $0.query(
                    """
                    SELECT false AS b, (-2147483648)::int4 AS i4min, 9223372036854775807::int8 AS i8max, (-32768)::int2 AS i2min,
                           'NaN'::float8 AS nan, '-Infinity'::float8 AS ninf, 'infinity'::timestamptz AS forever,
                           '1999-12-31 23:59:59.999999+00'::timestamptz AS before_epoch
                    """, resultFormat: .binary)
            }
            let row = try #require(rows.first)
            #expect(try row.decode(Bool.self, "b") == false)
            #expect(try row.decode(Int.self, "i4min") == Int(Int32.min))
            #expect(try row.decode(Int.self, "i8max") == Int.max)
            #expect(try row.decode(Int.self, "i2min") == Int(Int16.min))
            #expect(try row.decode(Double.self, "nan").isNaN)
            #expect(try row.decode(Double.self, "ninf") == -.infinity)
            #expect(throws: PostgresError.self) { try row.decode(Date.self, "forever") }
            let before = try row.decode(Date.self, "before_epoch")
            #expect(abs(before.timeIntervalSince1970 - (946_684_800 - 0.000001)) < 1e-7)
        }
    }

    /// Whatever a `Date` is, the copy `stored` makes equals the date the column gives back, to the bit:
    /// the recall cache keeps such copies and must not differ from a read.
    @Test func storedDatesEqualWhatTheColumnReturns() async throws {
        try await TestDatabase.withMigratedClient { client in
            var random = SplitMix64(seed: 15)
            var dates = [Date(timeIntervalSince1970: 0), Date(timeIntervalSince1970: 946_684_800), Date(timeIntervalSince1970: -1.5)]
            for _ in 0..<200 {
                dates.append(Date(timeIntervalSince1970: Double(random.next() % 4_000_000_000_000_000) / 1_000_000 + Double(random.next() % 1000) / 1e9))
            }
            dates.append(Date())
            let sent = dates
            let returned = try await client.withConnection { connection in
                try sent.map { date in
                    try connection.query("SELECT $1::timestamptz AS ts", [.timestamp(date)], resultFormat: .binary)[0].decode(Date.self, "ts")
                }
            }
            for (date, back) in zip(dates, returned) {
                #expect(PostgresTimestamp.stored(date) == back, "\(date.timeIntervalSince1970)")
            }
        }
    }

    @Test func anEmbeddingSizedByteaArrivesAsItsBytes() async throws {
        try await TestDatabase.withMigratedClient { client in
            let embedding = (0..<(1536 * 4)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
            let rows = try await client.withConnection {
                try $0.query("SELECT $1::bytea AS e, octet_length($1::bytea) AS n", [.bytea(embedding)], resultFormat: .binary)
            }
            #expect(try rows[0].decode(PostgresBytes.self, "e").bytes == embedding)
            #expect(try rows[0].decode(Int.self, "n") == 6144)
        }
    }
}
