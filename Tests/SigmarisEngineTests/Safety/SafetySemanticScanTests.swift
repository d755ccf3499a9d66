import Testing
@testable import SigmarisEngine

@Suite("Safety semantic scan (6)")
struct SafetySemanticScanTests {
    // Anchor vectors: self_harm (1, 0); hate (0.6, 0.8); violence (0.1, ~0.995) → similarity ~0.1.
    let anchors: [String: [Float]] = ["self_harm": [1, 0], "hate": [0.6, 0.8], "violence": [0.1, 0.99499]]

    @Test("similar anchors set category scores; semantic score is capped at 0.8")
    func semantic() {
        let result = SafetyAssessor.assess(
            message: "something", value: .zero, trait: .zero, textVector: [1, 0], anchorVectors: anchors
        )
        // self_harm 1.0, hate 0.6, violence 0.1 (< 0.2, skipped). Semantic = min(0.8, 1.0).
        #expect(result.categories.map(\.category) == ["self_harm", "hate"])
        expectClose(result.categories[0].score, 1)
        expectClose(result.categories[1].score, 0.6, tolerance: 1e-7)
        expectClose(result.meta["semantic_risk"]?.doubleValue, 0.8)
        expectClose(result.riskScore, 0.8)
        #expect(result.flag == .escalated)
        #expect(result.reasons.contains("semantic_risk≈0.80 (embedding-based assessment)"))
    }

    @Test("a rule-hit category takes the max of 0.6 and the similarity")
    func mergeWithRules() {
        // "harass" hits harassment (0.6); anchor similarity 0.7 raises that category to 0.7.
        let result = SafetyAssessor.assess(
            message: "stop harassing", value: .zero, trait: .zero, textVector: [0.7, 0.71414],
            anchorVectors: ["harassment": [1, 0]]
        )
        #expect(result.categories.count == 1)
        expectClose(result.categories[0].score, 0.7, tolerance: 1e-4)
        // Base risk = max(rule 0.6, semantic 0.7).
        expectClose(result.riskScore, 0.7, tolerance: 1e-4)
    }

    @Test("no vector or no anchors: semantic part skipped")
    func unavailable() {
        let withoutVector = SafetyAssessor.assess(message: "x", value: .zero, trait: .zero, textVector: nil, anchorVectors: anchors)
        #expect(withoutVector.riskScore == 0)
        let withoutAnchors = SafetyAssessor.assess(message: "x", value: .zero, trait: .zero, textVector: [1, 0], anchorVectors: [:])
        #expect(withoutAnchors.riskScore == 0)
    }
}
