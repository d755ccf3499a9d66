import Logging
import SigmarisCurl
import SigmarisEngine

/// The provider the configuration asks for: the deterministic local one, or an OpenAI-compatible
/// server (which may be a keyless local one such as Ollama or llama.cpp).
public func makePersonaProvider(
    configuration: SigmarisConfiguration,
    http: CurlHTTPClient,
    logger: Logger
) -> any PersonaProvider {
    switch configuration.llmProvider {
    case .local:
        LocalProvider()
    case .openai:
        OpenAICompatibleProvider(
            baseURL: configuration.openAIBaseURL.absoluteString,
            apiKey: configuration.openAIAPIKey,
            personaModel: configuration.personaModel,
            embeddingModel: configuration.embeddingModel,
            http: http,
            logger: logger
        )
    }
}
