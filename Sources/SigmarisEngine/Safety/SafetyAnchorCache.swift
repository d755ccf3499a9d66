/// The embeddings of the six safety anchor sentences, computed once per process per provider.
///
/// Shared by every turn of every user, so it is mutable shared state: an actor. Concurrent first
/// callers wait on the same in-flight request instead of embedding the anchors twice. A failed
/// attempt is not cached, so a later turn retries once the provider is back.
public actor SafetyAnchorCache {
    private var vectorsByModel: [String: [String: [Float]]] = [:]
    private var inFlight: [String: Task<[String: [Float]]?, Never>] = [:]

    public init() {}

    /// Category → anchor vector for this provider (keyed by its model name); empty when the
    /// provider could not embed the anchors.
    public func anchors(for provider: any PersonaProvider) async -> [String: [Float]] {
        let model = provider.modelName
        if let cached = vectorsByModel[model] { return cached }
        let task: Task<[String: [Float]]?, Never>
        if let running = inFlight[model] {
            task = running
        } else {
            task = Task { await Self.embedAnchors(with: provider) }
            inFlight[model] = task
        }
        let result = await task.value
        inFlight[model] = nil
        if let result {
            vectorsByModel[model] = result
            return result
        }
        return [:]
    }

    /// Whether anchors for `modelName` are cached (for tests and health checks).
    public func isCached(modelName: String) -> Bool {
        vectorsByModel[modelName] != nil
    }

    private static func embedAnchors(with provider: any PersonaProvider) async -> [String: [Float]]? {
        let anchors = PersonaConstants.Safety.semanticAnchors
        guard let vectors = try? await provider.embed(anchors.map(\.sentence)), vectors.count == anchors.count else {
            return nil
        }
        var result: [String: [Float]] = [:]
        for (anchor, vector) in zip(anchors, vectors) where !vector.isEmpty {
            result[anchor.category] = vector
        }
        return result
    }
}
