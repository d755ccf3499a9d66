import SigmarisEngine

/// Records every `embed` call a stub receives, so tests can prove no text is embedded twice.
actor EmbedCallLog {
    private(set) var calls: [[String]] = []
    private(set) var replyRequests: [ReplyRequest] = []

    func recordEmbed(_ texts: [String]) { calls.append(texts) }
    func recordReply(_ request: ReplyRequest) { replyRequests.append(request) }
    func reset() { calls = []; replyRequests = [] }
}

/// A provider with fixed vectors and replies; unknown texts embed to the zero vector.
struct StubProvider: PersonaProvider {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    var modelName = "stub-model"
    var dimension = 4
    var vectors: [String: [Float]] = [:]
    var replies: [String: String] = [:]
    var defaultReply = "OK."
    var failEmbeddings = false
    var failReplies = false
    let log = EmbedCallLog()

    func embed(_ texts: [String]) async throws -> [[Float]] {
        await log.recordEmbed(texts)
        if failEmbeddings { throw Failure(description: "embedding service down") }
        return texts.map { vectors[$0] ?? [Float](repeating: 0, count: dimension) }
    }

    func reply(to request: ReplyRequest) async throws -> String {
        await log.recordReply(request)
        if failReplies { throw Failure(description: "upstream 500 with Authorization: Bearer sk-secret123 key=abc") }
        return replies[request.message] ?? defaultReply
    }
}
