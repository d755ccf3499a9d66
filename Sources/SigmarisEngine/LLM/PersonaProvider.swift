/// The model behind the persona: embeddings for memory and safety, and the reply itself.
///
/// The engine calls it; implementations do the I/O (the remote one) or none (`LocalProvider`).
public protocol PersonaProvider: Sendable {
    /// A name stored with each turn (e.g. "local-deterministic-v1", "gpt-4o-mini").
    var modelName: String { get }
    /// One vector per input text, same order.
    func embed(_ texts: [String]) async throws -> [[Float]]
    func reply(to request: ReplyRequest) async throws -> String
    /// The same reply as `reply(to:)`, handed to `onDelta` piece by piece as it is produced.
    ///
    /// - Returns: the whole reply, which is exactly the concatenation of the pieces.
    /// - Throws: the provider's failure, or whatever `onDelta` threw, unchanged (it means nobody is
    ///   listening any more: stop at once).
    func streamReply(to request: ReplyRequest, onDelta: (String) async throws -> Void) async throws -> String
}

extension PersonaProvider {
    /// A provider that cannot stream answers in one piece.
    public func streamReply(to request: ReplyRequest, onDelta: (String) async throws -> Void) async throws -> String {
        let reply = try await reply(to: request)
        try await onDelta(reply)
        return reply
    }
}
