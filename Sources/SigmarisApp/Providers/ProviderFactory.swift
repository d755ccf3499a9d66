import Logging
import SigmarisCurl
import SigmarisEngine

/// The provider the configuration asks for: the deterministic local one, or an OpenAI-compatible
/// server (which may be a keyless local one such as Ollama or llama.cpp) that streams replies over
/// `http`, every call through `gate` and within `SIGMARIS_PROVIDER_TIMEOUT`. With `metrics`, its
/// calls, failures, cancellations, durations and (OpenAI-compatible only) tokens are recorded.
public func makePersonaProvider(
    configuration: SigmarisConfiguration,
    http: CurlHTTPClient,
    gate: OutboundGate? = nil,
    logger: Logger,
    metrics: SigmarisMetrics? = nil
) -> any PersonaProvider {
    let kind = configuration.llmProvider.rawValue
    let provider: any PersonaProvider = switch configuration.llmProvider {
    case .local:
        LocalProvider()
    case .openai:
        makeOpenAIProvider(
            configuration: configuration, http: http, gate: gate, logger: logger,
            usageObserver: metrics?.tokenObserver(provider: kind))
    }
    guard let metrics else { return provider }
    metrics.registerProvider(kind)
    return MeteredProvider(wrapped: provider, kind: kind, metrics: metrics)
}

/// The model of the LLM helpers (`/api/summary`, `/api/translate`): the configured provider's, with
/// the same client, gate and timeout as `makePersonaProvider`'s, or none for the local provider.
func makeHelperModel(
    configuration: SigmarisConfiguration, http: CurlHTTPClient, gate: OutboundGate?, logger: Logger
) -> HelperModel {
    switch configuration.llmProvider {
    case .local: .local
    case .openai: .openAI(makeOpenAIProvider(configuration: configuration, http: http, gate: gate, logger: logger))
    }
}

/// The configured OpenAI-compatible server, streaming replies, every call within
/// `SIGMARIS_PROVIDER_TIMEOUT`.
private func makeOpenAIProvider(
    configuration: SigmarisConfiguration, http: CurlHTTPClient, gate: OutboundGate?, logger: Logger,
    usageObserver: (@Sendable (ProviderTokenUsage) -> Void)? = nil
) -> OpenAICompatibleProvider {
    let timeout = Duration.seconds(configuration.providerTimeoutSeconds)
    return OpenAICompatibleProvider(
        baseURL: configuration.openAIBaseURL.absoluteString,
        apiKey: configuration.openAIAPIKey,
        personaModel: configuration.personaModel,
        embeddingModel: configuration.embeddingModel,
        http: http,
        streamsReplies: true,
        gate: gate,
        logger: logger,
        timeouts: .init(chat: timeout, embeddings: timeout),
        usageObserver: usageObserver)
}
