import Testing
@testable import SigmarisEngine

@Suite("Value drift (4)")
struct ValueDriftEngineTests {
    let newTopic = Fixtures.identity()

    @Test("decay pulls every axis toward 0 by 0.1%")
    func decay() {
        // n = 1 adds stability 0.03 * 0.2 = 0.006; everything else is decay (v * -0.001).
        let result = ValueDriftEngine.apply(
            current: ValueState(stability: 0.5, openness: -0.4, safetyBias: 0.2, userAlignment: 1.0),
            identity: newTopic, finalPointerCount: 1, safetyFlag: nil, rewardSignal: 0
        )
        expectClose(result.newState.stability, 0.5 - 0.0005 + 0.006)
        expectClose(result.newState.openness, -0.4 + 0.0004)
        expectClose(result.newState.safetyBias, 0.2 - 0.0002)
        expectClose(result.newState.userAlignment, 0.999)
        expectClose(result.delta.stability, 0.0055)
        expectClose(result.delta.openness, 0.0004)
        expectClose(result.delta.safetyBias, -0.0002)
        expectClose(result.delta.userAlignment, -0.001)
    }

    @Test("past context and a continuation label each add 0.015 stability")
    func identity() {
        let past = IdentityContext(topicLabel: "過去の会話の続き（自動推定）", hasPastContext: true, memoryPreview: nil)
        // 0.015 (past) + 0.015 (label has 続き) + 0.006 (n = 1).
        let result = ValueDriftEngine.apply(current: .zero, identity: past, finalPointerCount: 1, safetyFlag: nil, rewardSignal: 0)
        expectClose(result.newState.stability, 0.036)
        #expect(result.newState.openness == 0)
    }

    @Test("continuation markers match on the lowered label")
    func markers() {
        for label in ["新規トピック: LAST TIME we said", "新規トピック: let's Continue", "新規トピック: 前回の件", "新規トピック: 再開"] {
            let identity = Fixtures.identity(label: label)
            // 0.015 from the marker; n = 0 adds openness 0.009.
            let result = ValueDriftEngine.apply(current: .zero, identity: identity, finalPointerCount: 0, safetyFlag: nil, rewardSignal: 0)
            expectClose(result.newState.stability, 0.015)
            expectClose(result.newState.openness, 0.009)
        }
    }

    @Test("memory: n >= 3, 1...2 and 0")
    func memory() {
        for n in [3, 5] {
            let many = ValueDriftEngine.apply(current: .zero, identity: newTopic, finalPointerCount: n, safetyFlag: nil, rewardSignal: 0)
            expectClose(many.newState.stability, 0.012)
            expectClose(many.newState.openness, -0.006)
        }
        for n in [1, 2] {
            let few = ValueDriftEngine.apply(current: .zero, identity: newTopic, finalPointerCount: n, safetyFlag: nil, rewardSignal: 0)
            expectClose(few.newState.stability, 0.006)
            #expect(few.newState.openness == 0)
        }
        let none = ValueDriftEngine.apply(current: .zero, identity: newTopic, finalPointerCount: 0, safetyFlag: nil, rewardSignal: 0)
        #expect(none.newState.stability == 0)
        expectClose(none.newState.openness, 0.009)
    }

    @Test("every safety flag adds 0.03 * 0.7 = 0.021 safety bias")
    func safety() {
        for flag in SafetyFlag.allCases {
            let result = ValueDriftEngine.apply(current: .zero, identity: newTopic, finalPointerCount: 1, safetyFlag: flag, rewardSignal: 0)
            expectClose(result.newState.safetyBias, 0.021)
        }
    }

    @Test("positive reward: alignment += 0.6b, openness += 0.4b with b = 0.03r")
    func positiveReward() {
        // r = 0.5 → b = 0.015: alignment 0.009, openness 0.006 (n = 1: stability 0.006).
        let result = ValueDriftEngine.apply(current: .zero, identity: newTopic, finalPointerCount: 1, safetyFlag: nil, rewardSignal: 0.5)
        expectClose(result.newState.userAlignment, 0.009)
        expectClose(result.newState.openness, 0.006)
        expectClose(result.newState.stability, 0.006)
    }

    @Test("negative reward: stability += -0.4b, safety_bias += -0.6b")
    func negativeReward() {
        // r = -2 → b = -0.06: stability 0.024 (+0.006 for n = 1), safety bias 0.036.
        let result = ValueDriftEngine.apply(current: .zero, identity: newTopic, finalPointerCount: 1, safetyFlag: nil, rewardSignal: -2)
        expectClose(result.newState.stability, 0.030)
        expectClose(result.newState.safetyBias, 0.036)
        #expect(result.newState.userAlignment == 0)
    }

    @Test("clipping bounds the state; the delta keeps the unclipped sum")
    func clipping() {
        let past = IdentityContext(topicLabel: "過去の会話の続き（自動推定）", hasPastContext: true, memoryPreview: nil)
        // stability: 0.999 - 0.000999 + 0.015 + 0.015 + 0.012 = 1.040001 → 1
        // openness: -1 + 0.001 - 0.006 = -1.005 → -1
        let result = ValueDriftEngine.apply(
            current: ValueState(stability: 0.999, openness: -1), identity: past, finalPointerCount: 3, safetyFlag: nil, rewardSignal: 0
        )
        #expect(result.newState.stability == 1)
        #expect(result.newState.openness == -1)
        expectClose(result.delta.stability, 0.041001)
        expectClose(result.delta.openness, -0.005)
    }
}
