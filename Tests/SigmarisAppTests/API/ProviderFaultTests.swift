import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import NIOPosix
@testable import SigmarisApp
import SigmarisCurl
import SigmarisEngine
import SigmarisJSON
import SigmarisTestSupport
import Synchronization
import Testing

/// A provider that misbehaves (never answers, fails, is saturated, loses its caller), driven through
/// the whole service over real sockets with the real database: every turn ends within the provider
/// timeout plus a margin, other users' reads keep working, refusals are documented 503s, and a
/// caller that left is counted as cancelled. Bounds on time are hang guards, never speed goals.
@Suite("Provider faults", .enabled(if: TestDatabase.shouldRun))
struct ProviderFaultTests {
    static func configuration(provider: StubHTTPServer, timeoutSeconds: Int = 30) throws -> SigmarisConfiguration {
        var configuration = try TestConfiguration.database()
        configuration.llmProvider = .openai
        configuration.openAIBaseURL = URL(string: provider.baseURL + "/v1")!
        configuration.providerTimeoutSeconds = timeoutSeconds
        // HummingbirdTesting's live client opens its one connection when the test starts, and these
        // tests leave it idle while their turns go over curl; under a loaded machine that took longer
        // than the 10 s the server gives an idle keep-alive connection (its header read timeout),
        // and the metrics scrape at the end met a closed channel. The timeout is not what is tested here.
        configuration.headerReadTimeoutSeconds = 300
        return configuration
    }

    /// One request over a real socket: its status, `Retry-After` and JSON body.
    static func send(
        _ http: CurlHTTPClient, _ method: SigmarisCurl.HTTPMethod, _ url: String, token: String, body: String? = nil
    ) async throws -> (status: Int, retryAfter: String?, json: JSONValue?) {
        let response = try await http.send(
            SigmarisCurl.HTTPRequest(
                method: method, url: url, headers: [("Authorization", "Bearer " + token), ("Content-Type", "application/json")],
                body: body.map { Array($0.utf8) }),
            logger: TestConfiguration.logger)
        return (response.status, response.headerValue("retry-after"), try? JSONValue(parsing: response.body))
    }

    /// The issue's case: a provider that accepts connections and never answers. Sixty users' turns
    /// at once each end within the 2 s provider timeout plus a margin (the first calls time out
    /// together, the breaker opens, the rest fail fast) with the fallback reply, while other users
    /// read their state.
    @Test func sixtyTurnsAgainstAProviderThatNeverAnswersEachEndWithinTheTimeout() async throws {
        try await StubHTTPServer.with({ _, _ in nil }) { provider in
            var configuration = try Self.configuration(provider: provider, timeoutSeconds: 2)
            configuration.databasePoolSize = 8
            let (services, app) = try ServicesApp.make(configuration)
            let gate = services.outbound.providerGate
            try await app.test(.live) { client in
                let base = "http://127.0.0.1:\(try #require(client.port))"
                try await withHTTPClient(requestTimeout: .seconds(60)) { http in
                    let turnsOver = TestSignal()
                    let readers = (0..<4).map { _ in API.userToken(UUID()) }
                    async let reads: [Int] = withThrowingTaskGroup(of: [Int].self) { group in
                        for token in readers {
                            group.addTask {
                                var statuses: [Int] = []
                                repeat {
                                    statuses.append(try await Self.send(http, .get, base + "/api/state/latest", token: token).status)
                                    try await Task.sleep(for: .milliseconds(50))
                                } while turnsOver.count == 0
                                return statuses
                            }
                        }
                        return try await group.reduce(into: []) { $0 += $1 }
                    }
                    let turns = try await withThrowingTaskGroup(of: (status: Int, output: String?, took: Duration).self) { group in
                        for _ in 0..<60 {
                            let token = API.userToken(UUID())
                            group.addTask {
                                let start = ContinuousClock.now
                                let answer = try await Self.send(http, .post, base + "/api/aei", token: token, body: #"{"text":"are you there?"}"#)
                                return (answer.status, answer.json?["output"]?.stringValue, ContinuousClock.now - start)
                            }
                        }
                        return try await group.reduce(into: []) { $0.append($1) }
                    }
                    turnsOver.raise()
                    let statuses = try await reads

                    #expect(turns.count == 60)
                    for turn in turns {
                        #expect(turn.status == 200)
                        #expect(turn.output == PersonaConstants.Turn.providerFallbackReply)
                        #expect(turn.took < .seconds(2 + 10), "a turn outlived the provider timeout by far: \(turn.took)")
                    }
                    #expect(!statuses.isEmpty)
                    #expect(statuses.allSatisfy { $0 == 200 }, "\(statuses.filter { $0 != 200 })")
                }
                #expect(gate.inFlight == 0 && gate.queued == 0)
                #expect(gate.breakerPhase == "open")
                let samples = try await Metrics.scrape(client).samples
                typealias Name = SigmarisMetrics.Name
                #expect(samples.total(Name.outboundBreakerState, ["upstream": "provider", "state": "open"]) == 1)
                #expect(samples.total(Name.outboundInFlight, ["upstream": "provider"]) == 0)
                #expect(samples.total(Name.outboundRefusals, ["upstream": "provider", "reason": "unavailable"]) > 0)
            }
        }
    }

    /// With SIGMARIS_RAISE_LLM_ERRORS an open breaker is a documented 503 `provider_unavailable` with
    /// Retry-After, and the provider is not asked again while it is open.
    @Test func withRaisedErrorsAnOpenBreakerIs503ProviderUnavailable() async throws {
        try await StubHTTPServer.with({ _, _ in StubResponse.json(#"{"error":{"message":"down"}}"#, status: 500) }) { provider in
            var configuration = try Self.configuration(provider: provider)
            configuration.raiseLLMErrors = true
            configuration.providerBreakerFailures = 2
            let app = try buildApplication(configuration: configuration, logger: TestConfiguration.logger)
            let check = DocumentConformance(document: try OpenAPIDocument.load())
            let user = UUID()
            try await app.test(.router) { client in
                // The first embedding call fails twice (2 attempts), which opens the breaker; every
                // later call of the turn, the reply included, is refused without being sent.
                for (path, body) in [("/api/aei", #"{"text":"hi"}"#), ("/persona/chat", #"{"message":"hi"}"#)] {
                    let response = try await check.send(
                        client, .init(.post, path, headers: API.bearer(API.userToken(user)), body: body, expect: .serviceUnavailable))
                    #expect(try API.json(response)["reason"]?.stringValue == "provider_unavailable")
                    #expect((1...30).contains(Int(response.headers[.retryAfter] ?? "") ?? 0))
                }
                // Streamed, the refusal comes once the stream exists: its error event, as documented.
                let streamed = try await check.send(
                    client, .init(.post, "/api/aei", headers: SSE.headers(API.userToken(user)), body: #"{"text":"hi"}"#, expect: .ok))
                let last = try SSE.events(streamed).last
                #expect(last?.name == "error")
                #expect(last?.data["reason"]?.stringValue == "provider_unavailable")
            }
            #expect(provider.requests.count == 2)
            #expect(try await API.rowCounts(userID: user.uuidString.lowercased()) == API.RowCounts())
        }
    }

    /// A remote core (SIGMARIS_CORE_URL) has a gate of its own: failures are 502 `core_failed` until
    /// the breaker opens, then 503 `provider_unavailable` without calling the core.
    @Test func aFailingRemoteCoreIsFailedFastOnceItsBreakerOpens() async throws {
        try await StubHTTPServer.with({ _, _ in StubResponse.json(#"{"error":"boom"}"#, status: 500) }) { core in
            var configuration = try TestConfiguration.database()
            configuration.coreURL = URL(string: core.baseURL)!
            configuration.providerBreakerFailures = 2
            let (services, app) = try ServicesApp.make(configuration)
            let check = DocumentConformance(document: try OpenAPIDocument.load())
            let user = UUID()
            try await app.test(.router) { client in
                for expected: HTTPResponse.Status in [.badGateway, .badGateway, .serviceUnavailable] {
                    let response = try await check.send(
                        client, .init(.post, "/api/aei", headers: API.bearer(API.userToken(user)), body: #"{"text":"hi"}"#, expect: expected))
                    let reason = try API.json(response)["reason"]?.stringValue
                    #expect(reason == (expected == .badGateway ? "core_failed" : "provider_unavailable"))
                }
            }
            #expect(core.requests.count == 2)
            #expect(services.outbound.coreGate?.breakerPhase == "open")
            #expect(services.outbound.providerGate.breakerPhase == "closed", "each upstream has its own breaker")
            #expect(try await API.rowCounts(userID: user.uuidString.lowercased()) == API.RowCounts())
        }
    }

    /// Past SIGMARIS_PROVIDER_CONCURRENCY and SIGMARIS_PROVIDER_QUEUE a raised turn is a documented
    /// 503 `provider_busy` with Retry-After, while the call holding the place streams on.
    @Test func withRaisedErrorsASaturatedProviderIs503ProviderBusy() async throws {
        let release = TestSignal()
        let chat: StubHTTPServer.StreamScript = { _, _, writer in
            try await writer.head()
            try await writer.send(FakeOpenAIStream.roleChunk + FakeOpenAIStream.piece("Still "))
            await release.wait()
            try await writer.send(FakeOpenAIStream.piece("here.") + FakeOpenAIStream.finishChunk + FakeOpenAIStream.done)
            try await writer.end()
        }
        try await StubHTTPServer.with(streaming: StreamingProviderTurnTests.stub(chat: chat)) { provider in
            var configuration = try Self.configuration(provider: provider)
            configuration.raiseLLMErrors = true
            configuration.providerConcurrency = 1
            configuration.providerQueue = 0
            let (services, app) = try ServicesApp.make(configuration)
            let gate = services.outbound.providerGate
            let check = DocumentConformance(document: try OpenAPIDocument.load())
            let holder = UUID(), other = UUID()
            try await app.test(.router) { client in
                async let held = SSE.aei(client, user: holder, text: "are you there?")
                #expect(await waitUntil { provider.requests.contains { $0.uri.hasSuffix("/chat/completions") } && gate.inFlight == 1 })

                let response = try await check.send(
                    client, .init(.post, "/api/aei", headers: API.bearer(API.userToken(other)), body: #"{"text":"hi"}"#, expect: .serviceUnavailable))
                #expect(try API.json(response)["reason"]?.stringValue == "provider_busy")
                #expect(response.headers[.retryAfter] == "1")
                #expect(try await Metrics.scrape(client).samples.total(SigmarisMetrics.Name.outboundRefusals, ["reason": "busy"]) >= 1)

                release.raise()
                let events = try await held
                #expect(events.last?.name == "done", "\(events)")
                #expect(SSE.deltaText(events) == "Still here.")
            }
            #expect(gate.inFlight == 0)
            #expect(try await API.rowCounts(userID: other.uuidString.lowercased()) == API.RowCounts())
        }
    }

    /// A turn whose client goes away while the provider is answering: the provider call is counted as
    /// cancelled (not as an error), and its place at the gate comes back.
    @Test func aCallWhoseClientLeftCountsAsCancelled() async throws {
        try await StubHTTPServer.with(FakeOpenAI.behavior(chat: { _ in nil })) { provider in
            let (services, app) = try ServicesApp.make(try Self.configuration(provider: provider))
            let gate = services.outbound.providerGate
            let user = UUID()
            try await app.test(.live) { client in
                let port = try #require(client.port)
                let channel = try await LeavingClient.startTurn(port: port, token: API.userToken(user), text: "hello, are you there?")
                #expect(await waitUntil { provider.requests.contains { $0.uri.hasSuffix("/chat/completions") } && gate.inFlight == 1 })
                try await channel.close()
                #expect(await waitUntil { gate.inFlight == 0 }, "the cancelled call kept its place")

                let samples = try await Metrics.scrape(client).samples
                typealias Name = SigmarisMetrics.Name
                let reply = ["provider": "openai", "operation": "reply"]
                #expect(samples.total(Name.providerCancelled, reply) == 1)
                #expect(samples.total(Name.providerErrors, reply) == 0)
                #expect(samples.total(Name.providerCallDuration + "_count", reply) == 0)
                #expect(gate.breakerPhase == "closed")
            }
            #expect(try await API.rowCounts(userID: user.uuidString.lowercased()) == API.RowCounts())
        }
    }
}

/// The outbound families are in the very first scrape, at zero; no database needed.
@Suite("Outbound metrics from the start")
struct OutboundMetricsTests {
    @Test func everyFamilyIsPresentAtZero() async throws {
        var configuration = TestConfiguration.unreachableDatabase()
        configuration.coreURL = URL(string: "http://127.0.0.1:1")!
        let app = try buildApplication(configuration: configuration, logger: TestConfiguration.logger, runMigrations: false)
        try await app.test(.router) { client in
            let samples = try await Metrics.scrape(client).samples
            typealias Name = SigmarisMetrics.Name
            for upstream in ["provider", "core"] {
                let labels = ["upstream": upstream]
                #expect(samples.has(Name.outboundInFlight, labels) && samples.total(Name.outboundInFlight, labels) == 0)
                #expect(samples.has(Name.outboundQueued, labels) && samples.total(Name.outboundQueued, labels) == 0)
                #expect(samples.total(Name.outboundBreakerState, labels.merging(["state": "closed"]) { $1 }) == 1)
                #expect(samples.has(Name.outboundBreakerState, labels.merging(["state": "open"]) { $1 }))
                #expect(samples.has(Name.outboundBreakerState, labels.merging(["state": "half_open"]) { $1 }))
                for reason in ["busy", "unavailable"] {
                    #expect(samples.has(Name.outboundRefusals, labels.merging(["reason": reason]) { $1 }))
                }
            }
        }
    }

    @Test func theDefaultsAndTheirVariables() throws {
        let defaults = SigmarisConfiguration()
        #expect(defaults.providerTimeoutSeconds == 60)
        #expect(defaults.providerConcurrency == 64)
        #expect(defaults.providerQueue == 64)
        #expect(defaults.providerBreakerFailures == 5)
        #expect(defaults.providerBreakerCooldownSeconds == 30)
        let set = try SigmarisConfiguration(environment: [
            "SIGMARIS_PROVIDER_TIMEOUT": "5", "SIGMARIS_PROVIDER_CONCURRENCY": "2", "SIGMARIS_PROVIDER_QUEUE": "0",
            "SIGMARIS_PROVIDER_BREAKER_FAILURES": "0", "SIGMARIS_PROVIDER_BREAKER_COOLDOWN": "7",
        ])
        #expect(set.providerTimeoutSeconds == 5)
        #expect(set.providerConcurrency == 2)
        #expect(set.providerQueue == 0)
        #expect(set.providerBreakerFailures == 0)
        #expect(set.providerBreakerCooldownSeconds == 7)
        for bad in [
            ["SIGMARIS_PROVIDER_TIMEOUT": "0"], ["SIGMARIS_PROVIDER_CONCURRENCY": "0"], ["SIGMARIS_PROVIDER_QUEUE": "-1"],
            ["SIGMARIS_PROVIDER_BREAKER_FAILURES": "many"], ["SIGMARIS_PROVIDER_BREAKER_COOLDOWN": "0"],
        ] {
            #expect(throws: ConfigurationError.self, "\(bad)") { try SigmarisConfiguration(environment: bad) }
        }
    }
}
