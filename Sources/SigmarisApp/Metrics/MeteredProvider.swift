import SigmarisEngine

/// Counts and times every call of the provider it wraps, and its failures, by operation.
///
/// The engine sees the same provider (same model name, same answers and errors); only the metrics
/// learn that a call happened. Token counts come from the wrapped provider itself, which alone sees
/// the server's `usage` (see `OpenAICompatibleProvider.usageObserver`).
struct MeteredProvider: PersonaProvider {
    let wrapped: any PersonaProvider
    /// `local` or `openai`: the configured kind, never a model name or URL.
    let kind: String
    let metrics: SigmarisMetrics

    var modelName: String { wrapped.modelName }

    func embed(_ texts: [String]) async throws -> [[Float]] {
        try await measure(.embed) { try await wrapped.embed(texts) }
    }

    func reply(to request: ReplyRequest) async throws -> String {
        try await measure(.reply) { try await wrapped.reply(to: request) }
    }

    /// Measured as a `reply`: the same call, its pieces handed over as they come.
    func streamReply(to request: ReplyRequest, onDelta: (String) async throws -> Void) async throws -> String {
        try await measure(.reply) { try await wrapped.streamReply(to: request, onDelta: onDelta) }
    }

    private func measure<T>(_ operation: ProviderOperation, _ call: () async throws -> T) async throws -> T {
        let start = ContinuousClock.now
        do {
            let value = try await call()
            metrics.recordProviderCall(provider: kind, operation: operation, duration: .now - start, error: nil)
            return value
        } catch {
            // Whatever the provider made of it, a call whose task was cancelled ended because its
            // client went away: cancelled, not failed.
            let recorded: any Error = Task.isCancelled ? CancellationError() : error
            metrics.recordProviderCall(provider: kind, operation: operation, duration: .now - start, error: recorded)
            throw error
        }
    }
}
