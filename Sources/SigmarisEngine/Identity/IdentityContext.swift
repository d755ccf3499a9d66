import SigmarisJSON

/// docs/engine.md §3: what the persona believes the conversation is about, and whether it continues the past.
public struct IdentityContext: Sendable, Equatable {
    public var topicLabel: String
    public var hasPastContext: Bool
    /// Always nil: the reference's anchor engine is not part of this contract.
    public var anchorHint: String?
    public var memoryPreview: String?

    public init(topicLabel: String, hasPastContext: Bool, anchorHint: String? = nil, memoryPreview: String?) {
        self.topicLabel = topicLabel
        self.hasPastContext = hasPastContext
        self.anchorHint = anchorHint
        self.memoryPreview = memoryPreview
    }

    /// `{topic_label, has_past_context, anchor_hint, memory_preview}`.
    public var json: JSONValue {
        [
            "topic_label": .string(topicLabel),
            "has_past_context": .bool(hasPastContext),
            "anchor_hint": .string(orNull: anchorHint),
            "memory_preview": .string(orNull: memoryPreview),
        ]
    }

    /// Builds the context from the message and the memory selection's outcome.
    public static func build(message: String, finalPointerCount: Int, mergedSummary: String?) -> IdentityContext {
        let labels = PersonaConstants.Identity.self
        let hasPastContext = finalPointerCount > 0
        let preview = mergedSummary.map { TextRules.cutLabel(TextRules.strip($0), limit: labels.memoryPreviewLength) }
        return IdentityContext(
            topicLabel: topicLabel(message: message, hasPastContext: hasPastContext),
            hasPastContext: hasPastContext,
            memoryPreview: preview
        )
    }

    /// The label drift rules match against (kept byte-exact with the spec).
    public static func topicLabel(message: String, hasPastContext: Bool) -> String {
        let labels = PersonaConstants.Identity.self
        if hasPastContext { return labels.pastContextTopicLabel }
        let text = TextRules.strip(message)
        guard !text.isEmpty else { return labels.newTopicLabel }
        let head = TextRules.strip(TextRules.firstLine(text))
        return labels.newTopicLabelPrefix + TextRules.cutLabel(head, limit: labels.topicHeadLength)
    }
}
