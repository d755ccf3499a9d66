import Foundation
import SigmarisEngine

/// Small builders shared by the tests.
enum Fixtures {
    static let epoch = Date(timeIntervalSince1970: 1_700_000_000)

    static func episode(_ id: String, _ summary: String, embedding: [Float] = [], raw: String = "") -> Episode {
        Episode(episodeID: id, timestamp: epoch, summary: summary, rawContext: raw, embedding: embedding)
    }

    static func pointer(_ id: String, _ score: Double, _ summary: String) -> MemoryPointer {
        MemoryPointer(episodeID: id, score: score, summary: summary)
    }

    static func context(_ n: Int, textTracing: Bool = false, raise: Bool = false) -> TurnContext {
        TurnContext(
            traceID: String(repeating: String(n), count: 32),
            episodeID: "ep-\(n)",
            now: epoch.addingTimeInterval(Double(n)),
            defaultSessionSuffix: String(repeating: "a", count: 32),
            textTracing: textTracing,
            raiseProviderErrors: raise
        )
    }

    static func identity(label: String = "新規トピック: x", hasPast: Bool = false) -> IdentityContext {
        IdentityContext(topicLabel: label, hasPastContext: hasPast, memoryPreview: nil)
    }
}
