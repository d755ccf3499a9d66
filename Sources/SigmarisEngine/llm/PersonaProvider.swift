/// The model behind the persona: embeddings for memory and safety, and the reply itself.
///
/// The engine calls it; implementations do the I/O (the remote one) or none (`LocalProvider`).
public protocol PersonaProvider: Sendable {
    /// A name stored with each turn (e.g. "local-deterministic-v1", "gpt-4o-mini").
    var modelName: String { get }
    /// One vector per input text, same order.
    func embed(_ texts: [String]) async throws -> [[Float]]
    func reply(to request: ReplyRequest) async throws -> String
}
