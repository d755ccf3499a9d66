/// docs/engine.md §8: the two chat messages an OpenAI-compatible provider sends.
public enum SystemPrompt {

    /// The system prompt: role, global state (with prev state and reasons), internal axes (not to
    /// be disclosed), the merged memory or a "no related past context" note, the identity context
    /// as JSON, and the mode instruction of the state.
    public static func system(for request: ReplyRequest) -> String {
        let prompt = PersonaConstants.Prompt.self
        var lines: [String] = [prompt.role, ""]

        lines.append(prompt.globalStateHeading)
        lines.append("state: \(request.globalState.rawValue)")
        lines.append("prev_state: \(request.prevState?.rawValue ?? "null")")
        if request.stateReasons.isEmpty {
            lines.append("reasons: []")
        } else {
            lines.append("reasons:")
            lines.append(contentsOf: request.stateReasons.map { "- \($0)" })
        }
        lines.append("")

        lines.append(prompt.internalAxesHeading)
        lines.append("value_state: \(request.valueState.json.serialized())")
        lines.append("trait_state: \(request.traitState.json.serialized())")
        lines.append("")

        lines.append(prompt.memoryHeading)
        if let summary = request.mergedSummary, !summary.isEmpty {
            lines.append(summary)
        } else {
            lines.append(prompt.noPastContext)
        }
        lines.append("")

        lines.append(prompt.identityHeading)
        lines.append(request.identityContext.json.serialized())
        lines.append("")

        lines.append(prompt.modeHeading)
        lines.append(modeInstruction(for: request.globalState))
        return lines.joined(separator: "\n")
    }

    /// The user message; in SILENT prefixed by the minimum-answer instruction.
    public static func userContent(for request: ReplyRequest) -> String {
        request.globalState == .silent ? PersonaConstants.Prompt.silentUserPrefix + request.message : request.message
    }

    public static func modeInstruction(for state: GlobalState) -> String {
        let prompt = PersonaConstants.Prompt.self
        switch state {
        case .safetyLock: return prompt.modeSafetyLock
        case .overloaded: return prompt.modeOverloaded
        case .reflective: return prompt.modeReflective
        case .silent: return prompt.modeSilent
        case .normal: return prompt.modeNormal
        }
    }
}
