import Testing
@testable import SigmarisEngine

@Suite("Safety modulation and thresholds (6)")
struct SafetyModulationTests {

    func assess(_ message: String, value: ValueState = .zero, trait: TraitState = .zero, pointers: Int? = nil) -> SafetyAssessment {
        SafetyAssessor.assess(message: message, value: value, trait: trait, memoryPointerCount: pointers, textVector: nil, anchorVectors: [:])
    }

    @Test("low calm +0.08, high safety bias +0.06, low stability +0.05")
    func additions() {
        let result = assess("hello", value: ValueState(stability: -0.3, safetyBias: 0.6), trait: TraitState(calm: -0.4))
        expectClose(result.riskScore, 0.19)
        #expect(result.flag == nil)
        #expect(result.reasons[0] == "low calm (-0.40) → +0.08 risk / high safety_bias (0.60) → +0.06 risk / low stability (-0.30) → +0.05 risk")
    }

    @Test("high calm subtracts 0.02: a 0.6 rule hit drops to 0.58 → intervened")
    func highCalm() {
        let result = assess("I will shoot", trait: TraitState(calm: 0.4))
        expectClose(result.riskScore, 0.58)
        #expect(result.flag == .intervened)
        #expect(result.reasons.last == "risk_score=0.58 >= warn_threshold=0.35")
    }

    @Test("values just inside the modulation thresholds change nothing")
    func thresholdsNotReached() {
        let result = assess("hello", value: ValueState(stability: -0.29, safetyBias: 0.59), trait: TraitState(calm: -0.39))
        #expect(result.riskScore == 0)
        let calm = assess("hello", trait: TraitState(calm: 0.39))
        #expect(calm.riskScore == 0)
    }

    @Test("a 0.8 rule hit plus low calm reaches blocked")
    func blocked() {
        let result = assess("死にたい", trait: TraitState(calm: -0.5))
        expectClose(result.riskScore, 0.88)
        #expect(result.flag == .blocked)
        #expect(result.reasons.last == "risk_score=0.88 >= hard_block_threshold=0.85")
    }

    @Test("memory adds min(0.05, 0.05 n) when pointers are given")
    func memory() {
        expectClose(assess("I will shoot", pointers: 3).riskScore, 0.65)
        expectClose(assess("I will shoot", pointers: 1).riskScore, 0.65)
        expectClose(assess("I will shoot", pointers: 0).riskScore, 0.6)
        #expect(assess("I will shoot", pointers: 2).reasons.contains("memory pointers=2 → +0.050 risk (light overload hint)"))
    }

    @Test("risk is clamped to [0, 1]")
    func clamp() {
        let high = assess("死にたい", value: ValueState(stability: -1, safetyBias: 1), trait: TraitState(calm: -1), pointers: 5)
        // 0.8 + 0.08 + 0.06 + 0.05 + 0.05 = 1.04 → 1
        #expect(high.riskScore == 1)
        let low = assess("hello", trait: TraitState(calm: 1))
        #expect(low.riskScore == 0)
    }

    @Test("flag thresholds: 0.35 intervened, 0.60 escalated, 0.85 blocked (inclusive)")
    func flags() {
        #expect(SafetyAssessor.flag(for: 0.3499) == nil)
        #expect(SafetyAssessor.flag(for: 0.35) == .intervened)
        #expect(SafetyAssessor.flag(for: 0.5999) == .intervened)
        #expect(SafetyAssessor.flag(for: 0.60) == .escalated)
        #expect(SafetyAssessor.flag(for: 0.8499) == .escalated)
        #expect(SafetyAssessor.flag(for: 0.85) == .blocked)
        #expect(SafetyAssessor.flag(for: 1) == .blocked)
    }
}
