import Foundation
import SigmarisApp
import SigmarisCurl
import SigmarisEngine
import Testing

@Suite("Persona provider factory")
struct ProviderFactoryTests {
    /// Building a provider does no I/O; the client's thread starts with the first transfer, so it
    /// never starts here.
    let http = CurlHTTPClient()

    @Test func localByDefault() {
        let provider = makePersonaProvider(configuration: SigmarisConfiguration(), http: http, logger: ProviderHarness.logger)
        #expect(provider is LocalProvider)
        #expect(provider.modelName == PersonaConstants.Local.modelName)
    }

    @Test func openAICompatibleWhenConfigured() throws {
        var configuration = SigmarisConfiguration()
        configuration.llmProvider = .openai
        configuration.openAIBaseURL = try #require(URL(string: "http://127.0.0.1:11434/v1"))
        configuration.personaModel = "llama3.1"
        configuration.embeddingModel = "nomic-embed-text"
        let provider = makePersonaProvider(configuration: configuration, http: http, logger: ProviderHarness.logger)
        let remote = try #require(provider as? OpenAICompatibleProvider)
        #expect(remote.modelName == "llama3.1")
        #expect(remote.embeddingModel == "nomic-embed-text")
    }
}
