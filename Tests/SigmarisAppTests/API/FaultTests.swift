import Foundation
import HummingbirdTesting
import SigmarisApp
import SigmarisAuth
import SigmarisEngine
import SigmarisTestSupport
import Testing

/// A failing provider or remote core leaves no rows behind.
@Suite("Faults leave no partial rows", .enabled(if: TestDatabase.shouldRun))
struct FaultTests {
    @Test func providerFailureWithRaiseIs502AndStoresNothing() async throws {
        try await StubHTTPServer.with({ _, _ in StubResponse.json(#"{"error":"down"}"#, status: 500) }) { stub in
            var configuration = try TestConfiguration.database()
            configuration.llmProvider = .openai
            configuration.openAIBaseURL = URL(string: stub.baseURL)!
            configuration.raiseLLMErrors = true
            // The provider's failure itself, not the breaker it would open after a few (that is a 503
            // `provider_unavailable`: ProviderFaultTests).
            configuration.providerBreakerFailures = 0
            let app = try buildApplication(configuration: configuration, logger: TestConfiguration.logger)
            let user = UUID()
            try await app.test(.router) { client in
                try await client.execute(uri: "/api/aei", method: .post, headers: API.bearer(API.userToken(user)), body: API.body(#"{"text":"hi"}"#)) { response in
                    #expect(response.status == .badGateway)
                    let answer = try API.json(response)
                    #expect(answer["error"]?.stringValue == "Sigmaris core request failed")
                }
            }
            let counts = try await API.rowCounts(userID: user.uuidString.lowercased())
        #expect(counts == API.RowCounts(), "\(counts)")
        }
    }

    @Test(arguments: [
        StubResponse.json(#"{"error":"boom"}"#, status: 500),
        StubResponse.json(#"{"reply": 5, "meta": {}}"#),
        StubResponse.json(#"not json"#),
    ])
    func remoteCoreFailureIs502AndStoresNothing(answer: StubResponse) async throws {
        try await StubHTTPServer.with({ _, _ in answer }) { stub in
            var configuration = try TestConfiguration.database()
            configuration.coreURL = URL(string: stub.baseURL)!
            let app = try buildApplication(configuration: configuration, logger: TestConfiguration.logger)
            let user = UUID()
            try await app.test(.router) { client in
                try await client.execute(uri: "/api/aei", method: .post, headers: API.bearer(API.userToken(user)), body: API.body(#"{"text":"hi"}"#)) { response in
                    #expect(response.status == .badGateway)
                    let json = try API.json(response)
                    #expect(json["error"]?.stringValue == "Sigmaris core request failed")
                    #expect(json["detail"]?.stringValue != nil)
                }
            }
            let counts = try await API.rowCounts(userID: user.uuidString.lowercased())
        #expect(counts == API.RowCounts(), "\(counts)")
        }
    }

    /// Remote mode end to end: one service is the core, another the proxy in front of it. The core
    /// verifies the proxy's token as the user's own (a service token is no longer what it gets).
    @Test func remoteCoreModeStoresTheExchange() async throws {
        let user = UUID()
        try await API.withCoreAndProxy { client in
            try await client.execute(uri: "/api/aei", method: .post, headers: API.bearer(API.userToken(user)), body: API.body(#"{"text":"hi there"}"#)) { response in
                #expect(response.status == .ok)
                let json = try API.json(response)
                #expect(json["model"]?.stringValue == "sigmaris-local-v1")
                #expect(json["python"]?["trace_id"]?.stringValue?.count == 32)
            }
        }
        #expect(try await API.rowCounts(userID: user.uuidString.lowercased()) == .init(messages: 2, snapshots: 1, turns: 2, episodes: 1, personaState: 1))
    }

    /// What the core receives: a token for the one user of the turn (`sub` the user, role
    /// `authenticated`), minutes long, never a service-role token.
    @Test func theRemoteCoreGetsATokenScopedToTheUser() async throws {
        let answer = StubResponse.json(#"{"reply":"hello","meta":{"trace_id":"0123456789abcdef0123456789abcdef"}}"#)
        try await StubHTTPServer.with({ _, _ in answer }) { core in
            var configuration = try TestConfiguration.database()
            configuration.coreURL = URL(string: core.baseURL)!
            let app = try buildApplication(configuration: configuration, logger: TestConfiguration.logger)
            let user = UUID()
            try await app.test(.router) { client in
                try await client.execute(uri: "/api/aei", method: .post, headers: API.bearer(API.userToken(user)), body: API.body(#"{"text":"hi"}"#)) { response in
                    #expect(response.status == .ok)
                }
            }
            let request = try #require(core.requests.first)
            let bearer = try #require(request.header("Authorization")?.split(separator: " ").last.map(String.init))
            let verifier = JWTVerifier(configuration: JWTVerifierConfiguration(hmacSecret: TestConfiguration.jwtSecret))
            guard case .user(let identity) = try await verifier.verify(token: bearer, allowService: false) else {
                Issue.record("the core got something other than a user's token")
                return
            }
            #expect(identity.id == user)
            #expect(identity.role == "authenticated")
            #expect(identity.expiresAt.timeIntervalSinceNow <= 300 + 5)
        }
    }
}
