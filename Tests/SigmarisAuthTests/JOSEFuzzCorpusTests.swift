import Foundation
@testable import SigmarisAuth
import Testing

/// Every input `make fuzz` kept in `Fuzz/corpus/jose`, through the same parsers as the fuzz target:
/// each ends in a value or a thrown error (a crash would stop the test run).
@Suite("JOSE fuzz corpus")
struct JOSEFuzzCorpusTests {
    static let corpus = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fuzz/corpus/jose")

    @Test func everyCorpusInputParsesOrFailsCleanly() throws {
        let files = try FileManager.default.contentsOfDirectory(at: Self.corpus, includingPropertiesForKeys: nil)
        #expect(!files.isEmpty)
        var accepted = 0
        for file in files {
            let bytes = Array(try Data(contentsOf: file))
            let token = String(decoding: bytes, as: UTF8.self)
            if let jws = try? CompactJWS(token) {
                _ = try? JOSEHeader.decode(jws.header)
                if (try? JWTClaims.decode(jws.payload)) != nil { accepted += 1 }
            }
            _ = try? BearerHeader.token(from: token)
            _ = Base64URL.decode(utf8: bytes)
            _ = try? JOSEHeader.decode(bytes)
            _ = try? JWTClaims.decode(bytes)
            _ = try? JWKSet(jsonData: Data(bytes))
        }
        // The seed token is in the corpus, so the happy path is replayed too.
        #expect(accepted > 0)
    }
}
