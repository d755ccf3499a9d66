import Logging
import SigmarisCurl
import SigmarisEngine

/// The provider the configuration asks for: the deterministic local one, or an OpenAI-compatible
/// server (which may be a keyless local one such as Ollama or llama.cpp) that streams replies over
/// `streaming`. With `metrics`, its calls, failures, durations and (OpenAI-compatible only) tokens
/// are recorded.
public func makePersonaProvider(
    configuration: SigmarisConfiguration,
    http: CurlHTTPClient,
    streaming: CurlStreamingClient,
    logger: Logger,
    metrics: SigmarisMetrics? = nil
) -> any PersonaProvider {
    let kind = configuration.llmProvider.rawValue
    let provider: any PersonaProvider = switch configuration.llmProvider {
    case .local:
        LocalProvider()
    case .openai:
        OpenAICompatibleProvider(
            baseURL: configuration.openAIBaseURL.absoluteString,
            apiKey: configuration.openAIAPIKey,
            personaModel: configuration.personaModel,
            embeddingModel: configuration.embeddingModel,
            http: http,
            streaming: streaming,
            logger: logger,
            usageObserver: metrics?.tokenObserver(provider: kind)
        )
    }
    guard let metrics else { return provider }
    return MeteredProvider(wrapped: provider, kind: kind, metrics: metrics)
}
