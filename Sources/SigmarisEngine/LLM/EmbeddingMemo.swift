/// The embeddings of one turn, keyed by exact text.
///
/// Within a turn the same text is never sent to the provider twice: the engine asks the memo to
/// `prepare` every text a step needs (in one batch), and pure steps read vectors back with
/// `vector(for:)`. A text whose embedding failed or came back empty has no vector, which each
/// step treats as the spec says ("similarity 0", "embedding unavailable").
public struct EmbeddingMemo: Sendable {
    public private(set) var vectors: [String: [Float]]
    /// Texts the provider was asked for and could not embed (kept so they are not retried).
    public private(set) var unavailableTexts: Set<String> = []
    /// How many `embed` calls this memo made.
    public private(set) var providerCallCount = 0

    public init(vectors: [String: [Float]] = [:]) {
        self.vectors = vectors
    }

    /// The vector of `text`, nil when it was never embedded, failed, or is empty.
    public func vector(for text: String) -> [Float]? {
        vectors[text]
    }

    /// Embeds, in one provider call, the distinct non-empty texts not yet known.
    ///
    /// Empty texts are never sent: they have no meaning to embed, and remote providers refuse them.
    /// Any failure (an error, a wrong count, an empty vector) leaves the affected texts without a
    /// vector; it never throws, because no embedding failure may fail a turn.
    /// - Returns: a short description of the failure, nil when all went well.
    @discardableResult
    public mutating func prepare(_ texts: [String], using provider: any PersonaProvider) async -> String? {
        var pending: [String] = []
        var seen: Set<String> = []
        for text in texts where !text.isEmpty && vectors[text] == nil && !unavailableTexts.contains(text) {
            if seen.insert(text).inserted { pending.append(text) }
        }
        guard !pending.isEmpty else { return nil }
        providerCallCount += 1
        let result: [[Float]]
        do {
            result = try await provider.embed(pending)
        } catch {
            unavailableTexts.formUnion(pending)
            return ProviderErrorRedaction.describe(error)
        }
        guard result.count == pending.count else {
            unavailableTexts.formUnion(pending)
            return "embedding count mismatch: asked \(pending.count), got \(result.count)"
        }
        for (text, vector) in zip(pending, result) {
            if vector.isEmpty {
                unavailableTexts.insert(text)
            } else {
                vectors[text] = vector
            }
        }
        return nil
    }
}
