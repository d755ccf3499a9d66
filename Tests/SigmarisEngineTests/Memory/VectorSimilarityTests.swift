import Testing
@testable import SigmarisEngine

@Suite("Cosine similarity")
struct VectorSimilarityTests {

    @Test("cosine of known vectors")
    func known() {
        expectClose(VectorSimilarity.cosine([1, 0], [1, 0]), 1)
        expectClose(VectorSimilarity.cosine([1, 0], [0, 1]), 0)
        expectClose(VectorSimilarity.cosine([1, 0], [-1, 0]), -1)
        // (0.8, 0.6)·(0.6, 0.8) = 0.96, both unit length.
        expectClose(VectorSimilarity.cosine([0.8, 0.6], [0.6, 0.8]), 0.96, tolerance: 1e-7)
        // Not normalised: (3,4)·(4,3) = 24, norms 5 and 5 → 0.96.
        expectClose(VectorSimilarity.cosine([3, 4], [4, 3]), 0.96, tolerance: 1e-12)
    }

    @Test("0 when lengths differ, a vector is empty, or a norm is 0")
    func degenerate() {
        #expect(VectorSimilarity.cosine([1, 0], [1, 0, 0]) == 0)
        #expect(VectorSimilarity.cosine([], []) == 0)
        #expect(VectorSimilarity.cosine([0, 0], [1, 0]) == 0)
    }

    @Test("the ambiguity variant uses the first min(len) components, norms included")
    func prefixCosine() {
        // First two components: (1,0)·(1,0) = 1 even though the longer vector continues.
        expectClose(VectorSimilarity.prefixCosine([1, 0], [1, 0, 5]), 1)
        expectClose(VectorSimilarity.prefixCosine([3, 4, 9], [4, 3]), 0.96)
        #expect(VectorSimilarity.prefixCosine([], [1]) == 0)
        #expect(VectorSimilarity.prefixCosine([0, 0, 1], [1, 0]) == 0)
    }
}
