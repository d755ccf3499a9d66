/// A provider that needs nothing outside the process: hashed embeddings and templated replies.
///
/// Used for local development, tests and as a fallback when no model is configured. Deterministic:
/// the same inputs give the same vectors and replies on every run and platform.
public struct LocalProvider: PersonaProvider {
    public let modelName: String
    public let dimension: Int

    public init(
        modelName: String = PersonaConstants.Local.modelName,
        dimension: Int = PersonaConstants.Local.embeddingDimension
    ) {
        self.modelName = modelName
        // At least one slot: feature hashing reduces modulo the dimension.
        self.dimension = max(1, dimension)
    }

    public func embed(_ texts: [String]) async throws -> [[Float]] {
        texts.map { LocalEmbedder.embed($0, dimension: dimension) }
    }

    public func reply(to request: ReplyRequest) async throws -> String {
        LocalReplyComposer.compose(request)
    }

    /// Word by word, as a model would stream; the fixed replies of SAFETY_LOCK and SILENT, which
    /// no model would compose, in one piece.
    public func streamReply(to request: ReplyRequest, onDelta: (String) async throws -> Void) async throws -> String {
        let reply = LocalReplyComposer.compose(request)
        let pieces: [String] = switch request.globalState {
        case .safetyLock, .silent: [reply]
        case .normal, .reflective, .overloaded: LocalReplyComposer.words(of: reply)
        }
        for piece in pieces {
            try Task.checkCancellation()
            try await onDelta(piece)
        }
        return reply
    }
}
