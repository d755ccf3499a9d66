import Testing
@testable import SigmarisEngine

@Suite("Trait drift (5)")
struct TraitDriftEngineTests {
    let newTopic = Fixtures.identity()

    @Test("decay pulls every axis toward 0 by 0.05%")
    func decay() {
        let result = TraitDriftEngine.apply(
            current: TraitState(calm: 0.4, empathy: -0.2, curiosity: 0.1), identity: newTopic,
            finalPointerCount: 0, newValue: .zero, affect: nil
        )
        expectClose(result.newState.calm, 0.3998)
        expectClose(result.newState.empathy, -0.1999)
        expectClose(result.newState.curiosity, 0.09995)
        expectClose(result.delta.calm, -0.0002)
    }

    @Test("past context calms (+0.003); conflict labels agitate (-0.004)")
    func identity() {
        let past = IdentityContext(topicLabel: "過去の会話の続き（自動推定）", hasPastContext: true, memoryPreview: nil)
        let calm = TraitDriftEngine.apply(current: .zero, identity: past, finalPointerCount: 0, newValue: .zero, affect: nil)
        expectClose(calm.newState.calm, 0.003)
        for label in ["新規トピック: CONFLICT at work", "新規トピック: 喧嘩した", "新規トピック: a problem", "新規トピック: トラブル"] {
            let agitated = TraitDriftEngine.apply(
                current: .zero, identity: Fixtures.identity(label: label), finalPointerCount: 0, newValue: .zero, affect: nil
            )
            expectClose(agitated.newState.calm, -0.004)
        }
        let both = TraitDriftEngine.apply(
            current: .zero, identity: IdentityContext(topicLabel: "fight", hasPastContext: true, memoryPreview: nil),
            finalPointerCount: 0, newValue: .zero, affect: nil
        )
        expectClose(both.newState.calm, -0.001)
    }

    @Test("memory: n >= 3 → empathy +0.004, 1...2 → +0.002, 0 → none")
    func memory() {
        let expectations: [(Int, Double)] = [(0, 0), (1, 0.002), (2, 0.002), (3, 0.004), (5, 0.004)]
        for (n, empathy) in expectations {
            let result = TraitDriftEngine.apply(current: .zero, identity: newTopic, finalPointerCount: n, newValue: .zero, affect: nil)
            expectClose(result.newState.empathy, empathy)
        }
    }

    @Test("positive openness feeds curiosity; positive safety bias calms and restrains curiosity")
    func values() {
        // openness 0.5: curiosity += 0.01 * 0.5 * 0.5 = 0.0025
        // safety bias 0.5: calm += 0.01 * 0.4 * 0.5 = 0.002, curiosity -= 0.01 * 0.3 * 0.5 = 0.0015
        let result = TraitDriftEngine.apply(
            current: .zero, identity: newTopic, finalPointerCount: 0,
            newValue: ValueState(openness: 0.5, safetyBias: 0.5), affect: nil
        )
        expectClose(result.newState.curiosity, 0.001)
        expectClose(result.newState.calm, 0.002)
        let negative = TraitDriftEngine.apply(
            current: .zero, identity: newTopic, finalPointerCount: 0,
            newValue: ValueState(openness: -0.5, safetyBias: -0.5), affect: nil
        )
        #expect(negative.newState == .zero)
    }

    @Test("affect: tension lowers calm, warmth raises empathy, curiosity raises curiosity")
    func affect() {
        // tension 0.8: calm -= 0.01 * 0.5 * 0.8 = 0.004; warmth -0.5: empathy -= 0.003; curiosity 1: +0.007
        let result = TraitDriftEngine.apply(
            current: .zero, identity: newTopic, finalPointerCount: 0, newValue: .zero,
            affect: AffectSignal(tension: 0.8, warmth: -0.5, curiosity: 1)
        )
        expectClose(result.newState.calm, -0.004)
        expectClose(result.newState.empathy, -0.003)
        expectClose(result.newState.curiosity, 0.007)
        let partial = TraitDriftEngine.apply(
            current: .zero, identity: newTopic, finalPointerCount: 0, newValue: .zero, affect: AffectSignal(tension: 0, warmth: nil)
        )
        #expect(partial.newState == .zero)
    }

    @Test("clipping bounds the state; the delta keeps the unclipped sum")
    func clipping() {
        // calm: 0.999 - 0.0004995 + 0.01 (tension -2) = 1.0085005 → 1
        let result = TraitDriftEngine.apply(
            current: TraitState(calm: 0.999), identity: newTopic, finalPointerCount: 0, newValue: .zero,
            affect: AffectSignal(tension: -2)
        )
        #expect(result.newState.calm == 1)
        expectClose(result.delta.calm, 0.0095005)
    }
}
