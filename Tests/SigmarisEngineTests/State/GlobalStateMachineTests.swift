import Testing
@testable import SigmarisEngine

@Suite("Global state machine (7)")
struct GlobalStateMachineTests {
    let machine = GlobalStateMachine()

    func input(
        length: Int = 10, pointers: Int = 0, label: String = "新規トピック: hi", value: ValueState = .zero,
        trait: TraitState = .zero, flag: SafetyFlag? = nil, overload: Double = 0, silence: Bool = false
    ) -> GlobalStateInput {
        GlobalStateInput(
            messageLength: length, finalPointerCount: pointers, topicLabel: label, value: value, trait: trait,
            safetyFlag: flag, overloadScore: overload, silenceRequested: silence
        )
    }

    @Test("any safety flag locks, with a reason naming it")
    func safetyFlags() {
        for flag in SafetyFlag.allCases {
            let decision = machine.decide(input(flag: flag, overload: 1))
            #expect(decision.state == .safetyLock)
            #expect(decision.reasons == ["safety_flag=\(flag.rawValue) → SAFETY_LOCK"])
        }
    }

    @Test("safety bias >= 0.6 locks; just below does not")
    func safetyBias() {
        let locked = machine.decide(input(value: ValueState(safetyBias: 0.6)))
        #expect(locked.state == .safetyLock)
        #expect(locked.reasons == ["value_state.safety_bias=0.60 >= 0.60"])
        #expect(machine.decide(input(value: ValueState(safetyBias: 0.5999))).state == .normal)
    }

    @Test("overload >= 0.75 → OVERLOADED, ahead of REFLECTIVE")
    func overload() {
        let overloaded = machine.decide(input(pointers: 5, label: "why", overload: 0.75))
        #expect(overloaded.state == .overloaded)
        #expect(overloaded.reasons == ["overload_score=0.75 >= 0.75"])
        #expect(machine.decide(input(overload: 0.7499)).state == .normal)
    }

    @Test("reflective score exactly 1.0 → REFLECTIVE (0.7 for 5 pointers + 0.3 for calm 0.4)")
    func reflectiveBoundary() {
        let decision = machine.decide(input(pointers: 5, trait: TraitState(calm: 0.4)))
        expectClose(decision.reflectiveScore, 1.0)
        #expect(decision.state == .reflective)
        #expect(decision.reasons == ["reflective_score >= 1.0 → REFLECTIVE"])
        // calm 0.39 earns no bonus: 0.7 → NORMAL, with no reasons.
        let below = machine.decide(input(pointers: 5, trait: TraitState(calm: 0.39)))
        #expect(below.state == .normal)
        #expect(below.reasons.isEmpty)
    }

    @Test("pointer score: >=5 → 0.7, 3...4 → 0.5, 1...2 → 0.2, 0 → 0")
    func pointerScores() {
        let expected: [(Int, Double)] = [(0, 0), (1, 0.2), (2, 0.2), (3, 0.5), (4, 0.5), (5, 0.7), (9, 0.7)]
        for (n, score) in expected {
            expectClose(machine.reflectiveScore(input(pointers: n)), score)
        }
    }

    @Test("topic markers add 0.6 (lowered match)")
    func topicMarkers() {
        for label in ["新規トピック: Why is that", "新規トピック: 構造を整理", "新規トピック: ANALYSIS", "新規トピック: 理由"] {
            expectClose(machine.reflectiveScore(input(label: label)), 0.6)
        }
        // 3 pointers (0.5) + marker (0.6) = 1.1 → REFLECTIVE.
        #expect(machine.decide(input(pointers: 3, label: "振り返り")).state == .reflective)
    }

    @Test("trait terms: calm >= 0.4 → +0.3, calm <= -0.4 → -0.2, curiosity >= 0.5 → +0.3")
    func traitTerms() {
        expectClose(machine.reflectiveScore(input(trait: TraitState(calm: -0.4))), -0.2)
        expectClose(machine.reflectiveScore(input(trait: TraitState(curiosity: 0.5))), 0.3)
        expectClose(machine.reflectiveScore(input(trait: TraitState(curiosity: 0.49))), 0)
    }

    @Test("value terms: 0.4 * max(0, safety_bias) + 0.2 * max(0, stability)")
    func valueTerms() {
        expectClose(machine.reflectiveScore(input(value: ValueState(stability: 1, safetyBias: 0.5))), 0.4)
        expectClose(machine.reflectiveScore(input(value: ValueState(stability: -1, safetyBias: -1))), 0)
    }

    @Test("message length: >= 400 → +0.2, >= 200 → +0.1")
    func length() {
        let expected: [(Int, Double)] = [(199, 0), (200, 0.1), (399, 0.1), (400, 0.2), (5000, 0.2)]
        for (length, score) in expected {
            expectClose(machine.reflectiveScore(input(length: length)), score)
        }
    }

    @Test("an explicit silence command → SILENT, but never over SAFETY_LOCK")
    func silence() {
        let silent = machine.decide(input(overload: 1, silence: true))
        #expect(silent.state == .silent)
        #expect(silent.reasons == ["explicit command → SILENT"])
        #expect(machine.decide(input(flag: .intervened, silence: true)).state == .safetyLock)
        // The machine alone never picks SILENT.
        #expect(machine.decide(input()).state == .normal)
    }
}
