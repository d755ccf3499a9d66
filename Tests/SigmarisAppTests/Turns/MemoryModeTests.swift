import Foundation
import HummingbirdTesting
import SigmarisTestSupport
import Testing
@testable import SigmarisApp

/// `SIGMARIS_MEMORY` and `SIGMARIS_ARCHIVE_CANDIDATES` (issue #23): read, checked, and said by `/readyz`.
@Suite("Memory mode")
struct MemoryModeTests {
    @Test func archiveRecallOfTwentyByDefault() throws {
        let configuration = try SigmarisConfiguration(environment: [:])
        #expect(configuration.memoryMode == .archive)
        #expect(configuration.archiveCandidates == 20)
    }

    @Test func readsBoth() throws {
        let configuration = try SigmarisConfiguration(environment: ["SIGMARIS_MEMORY": "Window", "SIGMARIS_ARCHIVE_CANDIDATES": "5"])
        #expect(configuration.memoryMode == .window)
        #expect(configuration.archiveCandidates == 5)
    }

    @Test(arguments: [("SIGMARIS_MEMORY", "everything"), ("SIGMARIS_ARCHIVE_CANDIDATES", "0"), ("SIGMARIS_ARCHIVE_CANDIDATES", "201")])
    func badValuesNameTheVariable(name: String, value: String) {
        #expect {
            try SigmarisConfiguration(environment: [name: value])
        } throws: { error in
            (error as? ConfigurationError)?.variable == name
        }
    }

    @Test(.enabled(if: TestDatabase.shouldRun))
    func readyzSaysWindowInWindowMode() async throws {
        var configuration = try TestConfiguration.database()
        configuration.memoryMode = .window
        let app = try buildApplication(configuration: configuration, logger: TestConfiguration.logger)
        try await app.test(.router) { client in
            try await client.execute(uri: "/readyz", method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body).contains(#""memory_search":"window""#))
            }
        }
    }
}
