import Testing
@testable import SigmarisEngine

@Suite("System prompt (8)")
struct SystemPromptTests {

    func request(_ state: GlobalState, merged: String? = nil) -> ReplyRequest {
        ReplyRequest(
            message: "hello", userID: "u", sessionID: "s", globalState: state, prevState: .normal,
            stateReasons: ["safety_flag=blocked → SAFETY_LOCK"], valueState: ValueState(stability: 0.5),
            traitState: TraitState(calm: 0.25), mergedSummary: merged,
            identityContext: IdentityContext(topicLabel: "新規トピック: hello", hasPastContext: false, memoryPreview: nil)
        )
    }

    @Test("carries state, reasons, axes, memory note, identity JSON and the mode")
    func contents() {
        let prompt = request(.safetyLock).systemPrompt
        #expect(prompt.hasPrefix(PersonaConstants.Prompt.role))
        #expect(prompt.contains("state: SAFETY_LOCK\nprev_state: NORMAL\nreasons:\n- safety_flag=blocked → SAFETY_LOCK"))
        #expect(prompt.contains("never disclose"))
        #expect(prompt.contains(#"value_state: {"stability":0.5,"openness":0,"safety_bias":0,"user_alignment":0}"#))
        #expect(prompt.contains("(no related past context)"))
        #expect(prompt.contains(#"{"topic_label":"新規トピック: hello","has_past_context":false,"anchor_hint":null,"memory_preview":null}"#))
        #expect(prompt.hasSuffix(PersonaConstants.Prompt.modeSafetyLock))
    }

    @Test("the merged summary replaces the no-context note")
    func memory() {
        let prompt = request(.reflective, merged: "【関連する過去文脈】\n[1] x").systemPrompt
        #expect(prompt.contains("【関連する過去文脈】\n[1] x"))
        #expect(!prompt.contains("(no related past context)"))
    }

    @Test("one mode instruction per state")
    func modes() {
        let instructions = Set(GlobalState.allCases.map(SystemPrompt.modeInstruction))
        #expect(instructions.count == GlobalState.allCases.count)
    }

    @Test("SILENT prefixes the user content with the minimum-answer instruction; others pass it through")
    func userContent() {
        #expect(request(.silent).userContent == PersonaConstants.Prompt.silentUserPrefix + "hello")
        #expect(request(.normal).userContent == "hello")
    }
}
