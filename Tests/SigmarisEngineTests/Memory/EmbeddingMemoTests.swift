import Testing
@testable import SigmarisEngine

@Suite("Per-turn embedding memo")
struct EmbeddingMemoTests {

    @Test("distinct, non-empty, unknown texts go out in one call")
    func batching() async {
        let provider = StubProvider(vectors: ["a": [1, 0, 0, 0], "b": [0, 1, 0, 0]])
        var memo = EmbeddingMemo()
        await memo.prepare(["a", "b", "a", ""], using: provider)
        await memo.prepare(["b", "a"], using: provider) // all known: no call
        let calls = await provider.log.calls
        #expect(calls == [["a", "b"]])
        #expect(memo.vector(for: "a") == [1, 0, 0, 0])
        #expect(memo.vector(for: "") == nil)
        #expect(memo.providerCallCount == 1)
    }

    @Test("a failed batch leaves its texts unavailable and is not retried")
    func failure() async {
        let provider = StubProvider(failEmbeddings: true)
        var memo = EmbeddingMemo()
        let error = await memo.prepare(["a"], using: provider)
        #expect(error != nil)
        await memo.prepare(["a"], using: provider)
        #expect(await provider.log.calls.count == 1)
        #expect(memo.vector(for: "a") == nil)
    }
}
