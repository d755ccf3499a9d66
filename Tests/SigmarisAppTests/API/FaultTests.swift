import Foundation
import HummingbirdTesting
import SigmarisApp
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

    /// Remote mode end to end: one service is the core, another the proxy in front of it.
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
}
