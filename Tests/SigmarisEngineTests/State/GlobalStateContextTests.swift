import Testing
@testable import SigmarisEngine

@Suite("Global state meta")
struct GlobalStateContextTests {

    @Test("meta keys in the spec's order; JSON shape of the context")
    func shape() {
        let input = GlobalStateInput(
            messageLength: 5, finalPointerCount: 0, topicLabel: "新規トピック: hello", value: .zero, trait: .zero,
            safetyFlag: nil, overloadScore: 0.00625
        )
        let decision = GlobalStateMachine().decide(input)
        let identity = IdentityContext(topicLabel: "新規トピック: hello", hasPastContext: false, memoryPreview: nil)
        let context = GlobalStateContext(
            state: decision.state, prevState: .reflective, reasons: decision.reasons,
            meta: GlobalStateContext.meta(decision: decision, input: input, identity: identity, message: "hello")
        )
        #expect(context.meta.objectValue?.keys == [
            "reflective_score", "safety_flag", "overload_score", "value_state", "trait_state",
            "memory_pointer_count", "identity_topic_label", "has_past_context", "identity_context", "request_preview",
        ])
        #expect(context.json.objectValue?.keys == ["state", "prev_state", "reasons", "meta"])
        #expect(context.json["state"] == "NORMAL")
        #expect(context.json["prev_state"] == "REFLECTIVE")
    }

    @Test("GlobalState raw values are the uppercase labels")
    func rawValues() {
        #expect(GlobalState.allCases.map(\.rawValue) == ["NORMAL", "REFLECTIVE", "OVERLOADED", "SAFETY_LOCK", "SILENT"])
    }
}
