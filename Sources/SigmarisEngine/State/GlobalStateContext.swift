import SigmarisJSON

/// The decided state with its history and diagnostics: `meta.global_state`.
public struct GlobalStateContext: Sendable, Equatable {
    public var state: GlobalState
    public var prevState: GlobalState?
    public var reasons: [String]
    /// `global_state.meta`, keys in the spec's order.
    public var meta: JSONValue

    public init(state: GlobalState, prevState: GlobalState?, reasons: [String], meta: JSONValue) {
        self.state = state
        self.prevState = prevState
        self.reasons = reasons
        self.meta = meta
    }

    /// `{state, prev_state, reasons, meta}`.
    public var json: JSONValue {
        [
            "state": .string(state.rawValue),
            "prev_state": .string(orNull: prevState?.rawValue),
            "reasons": .strings(reasons),
            "meta": meta,
        ]
    }

    /// docs/engine.md §7's meta: `reflective_score, safety_flag, overload_score, value_state, trait_state,
    /// memory_pointer_count, identity_topic_label, has_past_context, identity_context, request_preview`.
    public static func meta(
        decision: GlobalStateDecision,
        input: GlobalStateInput,
        identity: IdentityContext,
        message: String
    ) -> JSONValue {
        [
            "reflective_score": .number(decision.reflectiveScore),
            "safety_flag": .string(orNull: input.safetyFlag?.rawValue),
            "overload_score": .number(input.overloadScore),
            "value_state": input.value.json,
            "trait_state": input.trait.json,
            "memory_pointer_count": .number(input.finalPointerCount),
            "identity_topic_label": .string(identity.topicLabel),
            "has_past_context": .bool(identity.hasPastContext),
            "identity_context": identity.json,
            "request_preview": .string(TextRules.prefix(message, PersonaConstants.Turn.requestPreviewLength)),
        ]
    }
}
