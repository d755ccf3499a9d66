import SigmarisJSON

/// The outcome of docs/engine.md §2.3.
public struct AmbiguityResolution: Sendable, Equatable {
    public var resolved: [MemoryPointer]
    public var discarded: [MemoryPointer]
    public var reason: String
    /// Free-form diagnostic notes stored under `memory.ambiguity.notes`.
    public var notes: JSONValue
}

/// docs/engine.md §2.3: when the message refers vaguely to "that" / 「それ」, keep only the recalled
/// episodes that are actually close to the message.
public enum AmbiguityResolver {

    public static func isAmbiguous(_ message: String) -> Bool {
        TextRules.containsAny(TextRules.lower(message), of: PersonaConstants.Ambiguity.tokens)
    }

    /// Texts the re-ranking needs embedded (empty when the message is not ambiguous).
    public static func textsToEmbed(message: String, pointers: [MemoryPointer]) -> [String] {
        guard isAmbiguous(message), !pointers.isEmpty else { return [] }
        return [message] + pointers.map(\.summary)
    }

    /// - Parameter embeddings: must already hold the vectors of `textsToEmbed`.
    public static func resolve(message: String, pointers: [MemoryPointer], embeddings: EmbeddingMemo) -> AmbiguityResolution {
        let rules = PersonaConstants.Ambiguity.self
        let preview = TextRules.prefix(message, PersonaConstants.Turn.requestPreviewLength)

        guard isAmbiguous(message) else {
            return AmbiguityResolution(
                resolved: pointers, discarded: [], reason: rules.reasonNoAmbiguity,
                notes: notes(preview, ("pointer_count", .number(pointers.count)))
            )
        }
        guard !message.isEmpty, let query = embeddings.vector(for: message) else {
            return AmbiguityResolution(
                resolved: pointers, discarded: [], reason: rules.reasonEmbeddingUnavailable,
                notes: notes(preview, ("pointer_count", .number(pointers.count)))
            )
        }

        var rescored: [(pointer: MemoryPointer, order: Int)] = []
        for (order, pointer) in pointers.enumerated() {
            // Pointers without a summary, or whose summary could not be embedded, are dropped.
            guard !pointer.summary.isEmpty, let vector = embeddings.vector(for: pointer.summary) else { continue }
            let similarity = VectorSimilarity.prefixCosine(query, vector)
            guard similarity >= rules.minimumSimilarity else { continue }
            var kept = pointer
            kept.score = similarity
            rescored.append((kept, order))
        }
        rescored.sort { lhs, rhs in
            lhs.pointer.score != rhs.pointer.score ? lhs.pointer.score > rhs.pointer.score : lhs.order < rhs.order
        }

        guard !rescored.isEmpty else {
            return AmbiguityResolution(
                resolved: [], discarded: pointers, reason: rules.reasonNoRelevantMemory,
                notes: notes(preview, ("original_count", .number(pointers.count)))
            )
        }
        let top = rescored.prefix(rules.maxResolved).map(\.pointer)
        let keptIDs = Set(top.map(\.episodeID))
        return AmbiguityResolution(
            resolved: top,
            discarded: pointers.filter { !keptIDs.contains($0.episodeID) },
            reason: rules.reasonResolved,
            notes: notes(preview, ("selected_count", .number(top.count)), ("original_count", .number(pointers.count)))
        )
    }

    private static func notes(_ preview: String, _ counts: (String, JSONValue)...) -> JSONValue {
        var object: JSONObject = ["input": .string(preview)]
        for (key, value) in counts {
            object[key] = value
        }
        object["min_similarity"] = .number(PersonaConstants.Ambiguity.minimumSimilarity)
        object["max_resolve"] = .number(PersonaConstants.Ambiguity.maxResolved)
        return .object(object)
    }
}
