import Foundation
import SigmarisCurl
import SigmarisEngine
import SigmarisTestSupport
import Synchronization
import Testing
@testable import SigmarisApp

/// The provider the application builds streams through its metrics wrapper: pieces, call and tokens.
@Suite("Metered provider: streamed replies")
struct MeteredStreamingTests {
    @Test func streamedRepliesAreForwardedAndCountedAsReplies() async throws {
        try await StubHTTPServer.with(streaming: FakeOpenAIStream.answer(["one ", "two"])) { server in
            try await withHTTPClient(requestTimeout: .seconds(30)) { http in
                do {
                    var configuration = SigmarisConfiguration()
                    configuration.llmProvider = .openai
                    configuration.openAIBaseURL = try #require(URL(string: server.baseURL))
                    let exposition = PrometheusExposition()
                    let provider = makePersonaProvider(
                        configuration: configuration, http: http, logger: ProviderHarness.logger,
                        metrics: exposition.metrics)
                    #expect(provider is MeteredProvider)

                    let pieces = Mutex<[String]>([])
                    let reply = try await provider.streamReply(to: ProviderHarness.replyRequest()) { piece in
                        pieces.withLock { $0.append(piece) }
                    }
                    #expect(reply == "one two")
                    #expect(pieces.withLock { $0 } == ["one ", "two"])

                    let samples = MetricSample.parse(String(decoding: exposition.emit(), as: UTF8.self))
                    let replyCall = ["provider": "openai", "operation": "reply"]
                    #expect(samples.total(SigmarisMetrics.Name.providerCalls, replyCall) == 1)
                    #expect(samples.total(SigmarisMetrics.Name.providerErrors, replyCall) == 0)
                    #expect(samples.total(SigmarisMetrics.Name.providerTokens, replyCall.merging(["kind": "completion"]) { $1 }) == 2)
                }
            }
        }
    }
}
