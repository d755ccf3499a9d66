import SigmarisEngine

/// The reference app's two LLM helpers, answered by the configured provider (`HelperModel`).
///
/// `deltas`, when given, receives the answer piece by piece (a streamed request); the whole answer
/// is returned either way. A remote call runs within one turn's provider budget
/// (`TurnProviderBudget`), so a helper request ends in bounded time like a turn does.
struct LLMHelpers: Sendable {
    let model: HelperModel
    let providerBudget: Duration

    func summary(of text: String, deltas: ReplyDeltaListener?) async throws -> SummaryResponse {
        switch model {
        case .local:
            let summary = ExtractiveSummary.summary(of: text)
            try await deltas?(summary)
            return SummaryResponse(summary: summary)
        case .openAI(let provider):
            return SummaryResponse(summary: try await ask(provider, system: HelperPrompt.summarySystem, user: text, deltas: deltas))
        }
    }

    func translation(of text: String, into targetLanguage: String, deltas: ReplyDeltaListener?) async throws -> TranslationResponse {
        switch model {
        case .local:
            // As the reference does without a key: the text unchanged, and saying so.
            try await deltas?(text)
            return TranslationResponse(translation: text, translated: false)
        case .openAI(let provider):
            let system = HelperPrompt.translationSystem(targetLanguage: targetLanguage)
            return TranslationResponse(translation: try await ask(provider, system: system, user: text, deltas: deltas), translated: true)
        }
    }

    private func ask(
        _ provider: OpenAICompatibleProvider, system: String, user: String, deltas: ReplyDeltaListener?
    ) async throws -> String {
        try await TurnProviderBudget.run(within: providerBudget) {
            if let deltas {
                return try await provider.streamChat(system: system, user: user) { try await deltas($0) }
            }
            return try await provider.chat(system: system, user: user)
        }
    }
}

struct SummaryResponse: Encodable, Sendable {
    var summary: String
}

struct TranslationResponse: Encodable, Sendable {
    var translation: String
    /// False when the text came back unchanged because no model translates (the local provider).
    var translated: Bool
}
