import SigmarisEngine

/// The model behind `/api/summary` and `/api/translate`: the configured provider, asked with a
/// prompt of its own rather than the persona's. The local provider has no model: it summarizes
/// by extraction and does not translate (`LLMHelperAnswer.translated` says so).
enum HelperModel: Sendable {
    case local
    /// Through the same client, gate and timeouts as the persona's provider.
    case openAI(OpenAICompatibleProvider)

    /// Whether a call reaches a model (and so needs the turn's provider budget).
    var isRemote: Bool {
        if case .openAI = self { true } else { false }
    }
}

/// What the helpers ask the model.
enum HelperPrompt {
    static let summarySystem =
        "Summarize the following conversation log in a few short sentences, in the language of the log. Answer with the summary only."

    static func translationSystem(targetLanguage: String) -> String {
        "Translate the user's text into the language \"\(targetLanguage)\". Answer with the translation only, keeping its meaning and tone."
    }
}
