import Foundation
import Testing

/// The database is the store's: the application reaches it only through SigmarisStore. Its target
/// does not depend on SigmarisPostgres (Package.swift), but SwiftPM still lets a target import a
/// module it reaches only through another, so the sources are checked too.
@Suite("Module boundaries")
struct ModuleBoundaryTests {
    static let sources = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Sources")

    /// Every line of every Swift file under `Sources/<module>`, with the file's path.
    static func lines(of module: String) throws -> [(file: String, line: Substring)] {
        let folder = sources.appendingPathComponent(module)
        let files = try #require(FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil))
            .compactMap { $0 as? URL }.filter { $0.pathExtension == "swift" }
        #expect(!files.isEmpty, "no sources under \(folder.path)")
        return try files.flatMap { file in
            try String(contentsOf: file, encoding: .utf8).split(separator: "\n").map { (file.lastPathComponent, $0) }
        }
    }

    @Test func theApplicationImportsNoSigmarisPostgres() throws {
        // `import SigmarisPostgres`, `@_exported import …`, `public import …`, `import struct SigmarisPostgres.X`.
        let postgresImport = try Regex(#"^\s*(@\w+\s+)*((public|package|internal|fileprivate|private)\s+)?import\s+(\w+\s+)?SigmarisPostgres\b"#)
        for (file, line) in try Self.lines(of: "SigmarisApp") {
            #expect(line.firstMatch(of: postgresImport) == nil, "\(file): \(line)")
        }
    }
}
