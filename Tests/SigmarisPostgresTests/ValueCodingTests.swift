import Foundation
import Testing
@testable import SigmarisPostgres

@Suite("Text-format value coding")
struct ValueCodingTests {
    @Test func timestampRoundTrip() throws {
        let date = Date(timeIntervalSince1970: 1_764_047_110.123456)
        let text = PostgresTimestamp.format(date)
        #expect(text == "2025-11-25 05:05:10.123456+00")
        let parsed = try #require(PostgresTimestamp.parse(text))
        #expect(abs(parsed.timeIntervalSince1970 - date.timeIntervalSince1970) < 1e-6)
    }

    @Test(arguments: [
        ("2026-11-25 05:05:10+00", 1_795_583_110.0),
        ("2026-11-25 14:35:10.5+09:30", 1_795_583_110.5),
        ("2026-11-24 21:05:10-08", 1_795_583_110.0),
        ("2026-11-25T05:05:10Z", 1_795_583_110.0),
    ])
    func timestampOffsets(text: String, epoch: Double) throws {
        let parsed = try #require(PostgresTimestamp.parse(text))
        #expect(abs(parsed.timeIntervalSince1970 - epoch) < 1e-6)
    }

    @Test func malformedTimestampsAreRejected() {
        #expect(PostgresTimestamp.parse("yesterday") == nil)
        #expect(PostgresTimestamp.parse("2026-11-25 05:05:10+0") == nil)
        #expect(PostgresTimestamp.parse("2026-11-25 05:05:10 extra") == nil)
    }

    @Test func byteaHexDecoding() {
        #expect(PostgresBytes(postgresText: Array(#"\x00ff10Ab"#.utf8), typeOID: 17)?.bytes == [0, 255, 16, 171])
        #expect(PostgresBytes(postgresText: Array(#"\x0"#.utf8), typeOID: 17) == nil)
        #expect(PostgresBytes(postgresText: Array("00ff".utf8), typeOID: 17) == nil)
        #expect(PostgresBytes(postgresText: Array(#"\x"#.utf8), typeOID: 17)?.bytes == [])
        #expect(PostgresBytes(postgresText: Array(#"\x0g"#.utf8), typeOID: 17) == nil)
        #expect(PostgresBytes(postgresText: Array(#"\xg0"#.utf8), typeOID: 17) == nil)
        let all = (0...255).map { UInt8($0) }
        let hex = "\\x" + all.map { String(format: "%02x", $0) }.joined()
        #expect(PostgresBytes(postgresText: Array(hex.utf8), typeOID: 17)?.bytes == all)
    }

    @Test func nonFiniteDoublesUsePostgresSpelling() {
        #expect(PostgresValue.double(.infinity).wireBytes == Array("Infinity".utf8))
        #expect(PostgresValue.double(.nan).wireBytes == Array("NaN".utf8))
        #expect(Double(postgresText: Array("-Infinity".utf8), typeOID: 701) == -.infinity)
    }

    @Test func errorDescriptionsCarryNoServerText() {
        let error = PostgresError(.queryFailed, sqlState: "22P02", serverMessage: #"invalid input syntax for type uuid: "secret""#)
        #expect(!error.description.contains("secret"))
        #expect(error.description.contains("22P02"))
    }
}
