import SigmarisJSON
import Testing
@testable import SigmarisEngine

@Suite("State snapshot extraction (10)")
struct StateSnapshotFieldsTests {

    @Test("primary paths")
    func primary() {
        let meta: JSONValue = [
            "trace_id": "0123456789abcdef0123456789abcdef",
            "safety": ["flag": "intervened", "risk_score": 0.4],
            "memory": ["initial_pointer_count": 3],
            "value": ["state": ["stability": 0.1]],
            "trait": ["state": ["calm": 0.2]],
            "global_state": ["state": "SAFETY_LOCK", "meta": ["reflective_score": 0.3, "overload_score": 0.9, "safety_flag": "blocked"]],
            "controller_meta": ["memory": ["pointer_count": 2], "safety_flag": "escalated", "overload_score": 0.5],
        ]
        let fields = StateSnapshotFields(meta: meta)
        #expect(fields.traceID == "0123456789abcdef0123456789abcdef")
        #expect(fields.globalState == "SAFETY_LOCK")
        #expect(fields.overloadScore == 0.5)
        #expect(fields.reflectiveScore == 0.3)
        #expect(fields.memoryPointerCount == 2)
        #expect(fields.safetyFlag == "intervened")
        #expect(fields.safetyRiskScore == 0.4)
        #expect(fields.valueState == ["stability": 0.1])
        #expect(fields.traitState == ["calm": 0.2])
        #expect(fields.meta == meta)
    }

    @Test("fallback paths when the first is missing or null")
    func fallbacks() {
        let meta: JSONValue = [
            "safety": ["flag": nil],
            "memory": ["initial_pointer_count": 3],
            "global_state": ["meta": ["overload_score": 0.9, "safety_flag": "blocked"]],
            "controller_meta": ["safety_flag": nil],
        ]
        let fields = StateSnapshotFields(meta: meta)
        #expect(fields.overloadScore == 0.9)
        #expect(fields.memoryPointerCount == 3)
        #expect(fields.safetyFlag == "blocked")
    }

    @Test("wrong types become nil, never an error")
    func wrongTypes() {
        let meta: JSONValue = [
            "trace_id": 42,
            "safety": ["flag": 7, "risk_score": "high"],
            "global_state": ["state": ["nested": true], "meta": ["reflective_score": "x"]],
            "controller_meta": ["overload_score": false, "memory": ["pointer_count": 2.5]],
            "value": ["state": [1, 2]],
            "trait": ["state": "calm"],
        ]
        let fields = StateSnapshotFields(meta: meta)
        #expect(fields.traceID == nil)
        #expect(fields.globalState == nil)
        #expect(fields.overloadScore == nil)
        #expect(fields.reflectiveScore == nil)
        #expect(fields.memoryPointerCount == nil)
        #expect(fields.safetyFlag == nil)
        #expect(fields.safetyRiskScore == nil)
        #expect(fields.valueState == nil)
        #expect(fields.traitState == nil)
        #expect(StateSnapshotFields(meta: "not an object").globalState == nil)
    }

    @Test("a pointer count outside Postgres integer is a wrong value")
    func pointerCountBeyondInteger() {
        let count = { (n: Int) in
            StateSnapshotFields(meta: ["controller_meta": ["memory": ["pointer_count": .number(Double(n))]]]).memoryPointerCount
        }
        #expect(count(Int(Int32.max)) == Int(Int32.max))
        #expect(count(Int(Int32.max) + 1) == nil)
        #expect(count(Int(Int32.min) - 1) == nil)
    }
}
