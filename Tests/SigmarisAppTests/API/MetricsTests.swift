import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import SigmarisApp
import SigmarisEngine
import SigmarisTestSupport
import Testing

/// `GET /metrics` after real turns on the real database: the counters moved, and nothing that
/// identifies a user or repeats their words is in any label (or anywhere in the scrape).
@Suite("GET /metrics", .enabled(if: TestDatabase.shouldRun))
struct MetricsTests {
    /// Dashboards and alerts never see a missing series: the first scrape, before any request, has
    /// every family, at zero.
    @Test func everyFamilyIsThereAtZeroBeforeAnythingHappened() async throws {
        let app = try buildApplication(configuration: try TestConfiguration.database(), logger: TestConfiguration.logger)
        try await app.test(.router) { client in
            let (text, samples) = try await Metrics.scrape(client)
            typealias Name = SigmarisMetrics.Name
            let counters = [Name.httpRequests, Name.httpStreams, Name.turns, Name.providerCalls, Name.providerErrors, Name.jwksRefreshes]
            let histograms = [Name.httpRequestDuration, Name.providerCallDuration, Name.poolWait]
            let gauges = [Name.turnsInFlight, Name.poolConnections, Name.poolWaiters, Name.poolSize, Name.usersInSafetyLock, Name.usersSilenced]
            for name in counters {
                #expect(samples.has(name), "\(name) is missing from the first scrape")
                #expect(samples.total(name) == 0, "\(name) starts at zero")
            }
            for name in histograms {
                #expect(samples.has(name + "_count"), "\(name) is missing from the first scrape")
            }
            // (The pool may already have lent a connection: its wait is not asserted at zero.)
            #expect(samples.total(Name.httpRequestDuration + "_count") == 0)
            #expect(samples.total(Name.providerCallDuration + "_count") == 0)
            for name in gauges {
                #expect(samples.has(name), "\(name) is missing from the first scrape")
            }
            // Every state and flag a turn can be counted under, so a rate per state exists at once.
            for state in GlobalState.allCases {
                #expect(samples.has(Name.turns, ["global_state": state.rawValue, "safety_flag": "none"]))
                for flag in SafetyFlag.allCases {
                    #expect(samples.has(Name.turns, ["global_state": state.rawValue, "safety_flag": flag.rawValue]))
                }
            }
            #expect(samples.has(Name.providerErrors, ["provider": "local", "operation": "reply", "reason": "timeout"]))
            // The local provider reports no tokens: no family promising figures that never come.
            #expect(!text.contains(Name.providerTokens))
        }
    }

    @Test func turnsMoveTheCountersAndNoLabelCarriesAUserOrText() async throws {
        let app = try buildApplication(configuration: try TestConfiguration.database(), logger: TestConfiguration.logger)
        let user = UUID()
        let coreUser = "u_metrics_\(UUID().uuidString.lowercased())"
        let session = "s_metrics_\(UUID().uuidString.lowercased())"
        let secretText = "metrics-private-words-\(UUID().uuidString)"
        try await app.test(.router) { client in
            let before = try await Metrics.scrape(client).samples
            #expect(before.total(SigmarisMetrics.Name.turns) == 0)

            for text in ["Hello, \(secretText)", "Again: \(secretText)"] {
                _ = try await AEITests.post(client, user: user, text: text, session: session)
            }
            let chat = #"{"user_id":"\#(coreUser)","session_id":"\#(session)","message":"\#(secretText)"}"#
            try await client.execute(uri: "/persona/chat", method: .post, headers: API.bearer(API.serviceToken()), body: API.body(chat)) { response in
                #expect(response.status == .ok)
            }
            try await client.execute(uri: "/api/aei?session=\(session)", method: .get, headers: API.bearer(API.userToken(user))) { response in
                #expect(response.status == .ok)
            }
            try await client.execute(uri: "/no-such-route/\(user.uuidString)", method: .get) { response in
                #expect(response.status == .notFound)
            }

            let (text, samples) = try await Metrics.scrape(client)
            typealias Name = SigmarisMetrics.Name
            // Turns, by the resulting global state and safety flag (bounded enums).
            #expect(samples.total(Name.turns) == 3)
            for sample in samples where sample.name == Name.turns {
                #expect(GlobalState(rawValue: sample.labels["global_state"] ?? "") != nil, "\(sample)")
                #expect(sample.labels["safety_flag"] == "none" || SafetyFlag(rawValue: sample.labels["safety_flag"] ?? "") != nil)
            }
            // Requests by route pattern, method and status; the unknown path is one fixed label.
            #expect(samples.total(Name.httpRequests, ["route": "/api/aei", "method": "POST", "status": "200"]) == 2)
            #expect(samples.total(Name.httpRequests, ["route": "/api/aei", "method": "GET", "status": "200"]) == 1)
            #expect(samples.total(Name.httpRequests, ["route": "/persona/chat", "method": "POST", "status": "200"]) == 1)
            #expect(samples.total(Name.httpRequests, ["route": "unmatched", "status": "404"]) == 1)
            #expect(samples.total(Name.httpRequestDuration + "_count", ["route": "/api/aei", "method": "POST"]) == 2)
            // The local provider's calls (it reports no tokens).
            #expect(samples.total(Name.providerCalls, ["provider": "local", "operation": "reply"]) == 3)
            #expect(samples.total(Name.providerCalls, ["provider": "local", "operation": "embed"]) >= 3)
            #expect(samples.total(Name.providerErrors) == 0)
            #expect(samples.total(Name.providerTokens) == 0)
            // The pool: waits were timed, and the gauges are read at scrape time.
            #expect(samples.total(Name.poolWait + "_count") > 0)
            #expect(samples.has(Name.poolConnections, ["state": "in_use"]))
            #expect(samples.has(Name.poolConnections, ["state": "idle"]))
            #expect(samples.total(Name.poolSize) == 4)
            #expect(samples.total(Name.poolWaiters) == 0)

            // No user id, session id or message text anywhere, and every label value is a fixed word,
            // a number or a route pattern registered in code.
            let forbidden = [user.uuidString, user.uuidString.lowercased(), coreUser, session, secretText, "no-such-route"]
            for value in forbidden {
                #expect(!text.contains(value), "the scrape contains \(value)")
            }
            let routes: Set<String> = ["/api/aei", "/persona/chat", "/persona/chat/stream", "/metrics", "unmatched"]
            for sample in samples {
                for (key, value) in sample.labels {
                    if key == "route" {
                        #expect(routes.contains(value), "\(sample)")
                    } else {
                        #expect(value.count <= 20 && value.allSatisfy { $0.isLetter || $0.isNumber || "_.+".contains($0) }, "\(sample)")
                    }
                }
            }
        }
    }

    @Test func anOpenAICompatibleProviderReportsTokensAndErrors() async throws {
        try await TestDatabase.withMigratedClient(poolSize: 1) { _ in }
        // Chat answers carry `usage`; a reply that mentions "fail" is refused with a 400 (not
        // retried), which the engine turns into its fallback reply.
        let behavior = FakeOpenAI.behavior { request in
            let messages = FakeOpenAI.json(request)?["messages"] as? [[String: Any]]
            if (messages?.last?["content"] as? String)?.contains("fail") == true {
                return .json(#"{"error":{"message":"no","type":"invalid_request_error"}}"#, status: 400)
            }
            return .json(#"{"choices":[{"index":0,"message":{"role":"assistant","content":"Hi."}}],"usage":{"prompt_tokens":42,"completion_tokens":7,"total_tokens":49}}"#)
        }
        try await StubHTTPServer.with(behavior) { stub in
            var configuration = try TestConfiguration.database()
            configuration.llmProvider = .openai
            configuration.openAIBaseURL = URL(string: stub.baseURL)!
            configuration.openAIAPIKey = "sk-metrics-stub"
            let app = try buildApplication(configuration: configuration, logger: TestConfiguration.logger)
            let user = "u_tokens_\(UUID().uuidString.lowercased())"
            try await app.test(.router) { client in
                for message in ["hello there", "hello again", "please fail now"] {
                    let body = #"{"user_id":"\#(user)","message":"\#(message)"}"#
                    try await client.execute(uri: "/persona/chat", method: .post, headers: API.bearer(API.serviceToken()), body: API.body(body)) { response in
                        #expect(response.status == .ok)
                    }
                }
                let (text, samples) = try await Metrics.scrape(client)
                typealias Name = SigmarisMetrics.Name
                let reply = ["provider": "openai", "operation": "reply"]
                #expect(samples.total(Name.providerCalls, reply) == 3)
                #expect(samples.total(Name.providerErrors, reply.merging(["reason": "http_4xx"]) { $1 }) == 1)
                #expect(samples.total(Name.providerTokens, reply.merging(["kind": "prompt"]) { $1 }) == 84)
                #expect(samples.total(Name.providerTokens, reply.merging(["kind": "completion"]) { $1 }) == 14)
                #expect(samples.total(Name.providerCallDuration + "_count", reply) == 3)
                #expect(samples.total(Name.providerCalls, ["provider": "openai", "operation": "embed"]) >= 3)
                #expect(samples.total(Name.turns) == 3)
                #expect(!text.contains(user) && !text.contains("sk-metrics-stub") && !text.contains(stub.baseURL))
            }
        }
    }
}

/// The token switch needs no database: `/metrics` reads the pool's counts, never a connection.
@Suite("GET /metrics with SIGMARIS_METRICS_TOKEN")
struct MetricsTokenTests {
    static let token = String(repeating: "m", count: SigmarisConfiguration.minimumMetricsTokenBytes)

    @Test func onlyTheBearerOfTheTokenMayScrape() async throws {
        var configuration = TestConfiguration.unreachableDatabase()
        configuration.metricsToken = Self.token
        let app = try buildApplication(configuration: configuration, logger: TestConfiguration.logger, runMigrations: false)
        try await app.test(.router) { client in
            for header in [nil, "Bearer wrong", "Bearer \(Self.token)x", "Bearer \(Self.token.dropLast())", "Basic \(Self.token)"] {
                let headers: HTTPFields = header.map { [.authorization: $0] } ?? [:]
                try await client.execute(uri: "/metrics", method: .get, headers: headers) { response in
                    #expect(response.status == .unauthorized, "\(header ?? "no header")")
                    #expect(response.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true)
                    #expect(!String(buffer: response.body).contains("sigmaris_"))
                }
            }
            let (text, samples) = try await Metrics.scrape(client, token: Self.token)
            #expect(samples.total(SigmarisMetrics.Name.httpRequests, ["route": "/metrics", "status": "401"]) == 5)
            #expect(!text.contains(Self.token))
        }
    }

    @Test func aShortOrNonTokenValueIsRefusedAtStartUp() throws {
        for bad in [String(Self.token.dropLast()), String(repeating: "m", count: 40) + " x", String(repeating: "é", count: 40)] {
            do {
                _ = try SigmarisConfiguration(environment: ["SIGMARIS_METRICS_TOKEN": bad])
                Issue.record("accepted \(bad.count) characters")
            } catch {
                #expect(error.variable == "SIGMARIS_METRICS_TOKEN")
                #expect(!error.description.contains(bad))
            }
        }
        #expect(try SigmarisConfiguration(environment: ["SIGMARIS_METRICS_TOKEN": Self.token]).metricsToken == Self.token)
        #expect(try SigmarisConfiguration(environment: [:]).metricsToken == nil)
    }

    @Test func withoutATokenAnyoneMayScrape() async throws {
        let app = try buildApplication(configuration: TestConfiguration.unreachableDatabase(), logger: TestConfiguration.logger, runMigrations: false)
        try await app.test(.router) { client in
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "text/plain; version=0.0.4; charset=utf-8")
            }
        }
    }
}
