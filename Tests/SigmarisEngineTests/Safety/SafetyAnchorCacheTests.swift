import Testing
@testable import SigmarisEngine

@Suite("Safety anchor cache")
struct SafetyAnchorCacheTests {

    @Test("anchors are embedded once per provider model, in one call")
    func once() async {
        let provider = StubProvider(vectors: ["The user is talking about killing themself or self-harm.": [0, 0, 0, 1]])
        let cache = SafetyAnchorCache()
        let first = await cache.anchors(for: provider)
        let second = await cache.anchors(for: provider)
        #expect(first == second)
        #expect(first["self_harm"] == [0, 0, 0, 1])
        #expect(first.count == 6)
        let calls = await provider.log.calls
        #expect(calls.count == 1)
        #expect(calls[0] == PersonaConstants.Safety.semanticAnchors.map(\.sentence))
        #expect(await cache.isCached(modelName: "stub-model"))
    }

    @Test("concurrent first callers share one request")
    func concurrent() async {
        let provider = StubProvider()
        let cache = SafetyAnchorCache()
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<8 {
                group.addTask { _ = await cache.anchors(for: provider) }
            }
        }
        #expect(await provider.log.calls.count == 1)
    }

    @Test("a failure is not cached: the next turn retries")
    func failureRetried() async {
        let provider = StubProvider(failEmbeddings: true)
        let cache = SafetyAnchorCache()
        #expect(await cache.anchors(for: provider).isEmpty)
        #expect(await cache.anchors(for: provider).isEmpty)
        #expect(await provider.log.calls.count == 2)
        #expect(await !cache.isCached(modelName: "stub-model"))
    }
}
