import Foundation
import SigmarisJSON
import Testing

/// Every input `make fuzz` kept in `Fuzz/corpus/json` (and every crash once fixed), replayed with
/// the fuzz target's own check: parse to a value or an error, and a value survives serialization.
@Suite("JSON fuzz corpus")
struct JSONFuzzCorpusTests {
    static let corpus = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fuzz/corpus/json")

    @Test func everyCorpusInputParsesOrFailsCleanly() throws {
        let files = try FileManager.default.contentsOfDirectory(at: Self.corpus, includingPropertiesForKeys: nil)
        #expect(!files.isEmpty)
        for file in files {
            let bytes = Array(try Data(contentsOf: file))
            guard let value = try? JSONValue(parsing: bytes) else { continue }
            #expect(try JSONValue(parsing: value.serialized()) == value, "\(file.lastPathComponent)")
        }
    }
}
