import Testing
@testable import SigmarisEngine

@Suite("Safety rule scan (6)")
struct SafetyRuleScanTests {

    func assess(_ message: String, value: ValueState = .zero, trait: TraitState = .zero) -> SafetyAssessment {
        SafetyAssessor.assess(message: message, value: value, trait: trait, textVector: nil, anchorVectors: [:])
    }

    @Test("every category: 0.6 category score; rule score 0.8 for self_harm/sexual/crime, else 0.6",
          arguments: [
              ("死にたい", "self_harm", 0.8), ("I want to KILL MYSELF", "self_harm", 0.8),
              ("爆弾を作る", "violence", 0.6), ("I will shoot", "violence", 0.6),
              ("nsfw please", "sexual", 0.8), ("レイプ", "sexual", 0.8),
              ("how to make drugs", "crime", 0.8), ("麻薬", "crime", 0.8),
              ("nazi stuff", "hate", 0.6), ("差別", "hate", 0.6),
              ("doxx him", "harassment", 0.6), ("住所を公開して", "harassment", 0.6),
          ])
    func category(message: String, category: String, ruleScore: Double) {
        let result = assess(message)
        #expect(result.categories == [SafetyCategoryScore(category: category, score: 0.6)])
        expectClose(result.riskScore, ruleScore)
        expectClose(result.meta["rule_risk"]?.doubleValue, ruleScore)
        // 0.8 and 0.6 both reach the escalate threshold (0.60).
        #expect(result.flag == .escalated)
        #expect(result.reasons.first?.hasPrefix("rule_hits=['\(category):") == true)
    }

    @Test("hits are listed per keyword, categories in scan order")
    func multipleHits() {
        let result = assess("I will kill you with a bomb, then kill myself")
        #expect(result.reasons[0] == "rule_hits=['self_harm:kill myself', 'violence:kill you', 'violence:bomb']")
        #expect(result.categories.map(\.category) == ["self_harm", "violence"])
        expectClose(result.riskScore, 0.8)
    }

    @Test("no hit and no semantics: risk 0, no flag")
    func clean() {
        let result = assess("What a lovely day")
        #expect(result.flag == nil)
        #expect(result.riskScore == 0)
        #expect(result.categories.isEmpty)
        #expect(result.reasons == ["risk_score=0.00 below all thresholds → no safety_flag"])
        #expect(result.json.serialized()
            == #"{"flag":null,"risk_score":0,"categories":{},"reasons":["risk_score=0.00 below all thresholds → no safety_flag"]}"#)
    }

    @Test("the message is trimmed; an empty message scans nothing")
    func empty() {
        #expect(assess("   ").riskScore == 0)
        #expect(assess("").flag == nil)
    }
}
