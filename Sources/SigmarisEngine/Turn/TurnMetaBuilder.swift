import SigmarisJSON

/// The intermediate results of one turn that meta, snapshots and log rows are built from.
struct TurnParts {
    let request: TurnRequest
    let context: TurnContext
    let sessionID: String
    let overloadScore: Double
    let safety: SafetyAssessment
    let memory: MemorySelection
    let identity: IdentityContext
    let value: ValueDriftResult
    let trait: TraitDriftResult
    let globalState: GlobalStateContext
    let reply: String
}

/// Builds docs/engine.md §9's `meta` and the persisted rows' JSON, keys in the spec's order.
enum TurnMetaBuilder {

    static func meta(_ parts: TurnParts, timingMilliseconds: Int) -> JSONValue {
        let textTracing = parts.context.textTracing
        let previewLength = PersonaConstants.Turn.ioPreviewLength
        return [
            "trace_id": .string(parts.context.traceID),
            "timing_ms": .number(timingMilliseconds),
            "safety": parts.safety.json,
            "memory": parts.memory.raw,
            "identity": parts.identity.json,
            "value": ["state": parts.value.newState.json, "delta": parts.value.delta.json],
            "trait": ["state": parts.trait.newState.json, "delta": parts.trait.delta.json],
            "global_state": parts.globalState.json,
            "controller_meta": [
                "memory": [
                    "pointer_count": .number(parts.memory.pointers.count),
                    "has_merged_summary": .bool(parts.memory.mergedSummary != nil),
                    "raw": parts.memory.raw,
                ],
                "value_delta": parts.value.delta.json,
                "trait_delta": parts.trait.delta.json,
                "global_state": parts.globalState.json,
                "reward_signal": .number(parts.request.rewardSignal),
                "safety_flag": .string(orNull: parts.safety.flag?.rawValue),
                "overload_score": .number(parts.overloadScore),
            ],
            "io": [
                "message_preview": .string(textTracing ? TextRules.prefix(parts.request.message, previewLength) : ""),
                "reply_preview": .string(textTracing ? TextRules.prefix(parts.reply, previewLength) : ""),
            ],
        ]
    }

    /// A value or trait snapshot with the reference's bookkeeping meta.
    static func snapshot(state: JSONValue, delta: JSONValue, _ parts: TurnParts) -> StateSnapshot {
        StateSnapshot(
            state: state,
            delta: delta,
            meta: [
                "trace_id": .string(parts.context.traceID),
                "request_preview": .string(TextRules.prefix(parts.request.message, PersonaConstants.Turn.snapshotPreviewLength)),
                "memory_pointer_count": .number(parts.memory.pointers.count),
                "identity_topic_label": .string(parts.identity.topicLabel),
            ]
        )
    }

    /// The user row then the assistant row, as the reference logs them.
    static func turnRows(_ parts: TurnParts) -> [TurnRow] {
        let rows = PersonaConstants.TurnRows.self
        let userMeta: JSONValue = [
            "direction": .string(rows.inputDirection),
            "user_id": .string(parts.request.userID),
            "identity_context": parts.identity.json,
            "global_state": parts.globalState.json,
        ]
        let assistantMeta: JSONValue = [
            "direction": .string(rows.outputDirection),
            "user_id": .string(parts.request.userID),
            "identity_context": parts.identity.json,
            "global_state": parts.globalState.json,
            "memory_pointers": .array(parts.memory.pointers.map(\.json)),
            "memory_raw": parts.memory.raw,
        ]
        return [
            TurnRow(role: rows.userRole, content: parts.request.message, topicHint: nil, emotionHint: nil,
                    importance: rows.importance, meta: userMeta),
            TurnRow(role: rows.assistantRole, content: parts.reply, topicHint: nil, emotionHint: nil,
                    importance: rows.importance, meta: assistantMeta),
        ]
    }
}
