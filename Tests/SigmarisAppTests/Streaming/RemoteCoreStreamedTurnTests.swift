import Foundation
import HummingbirdTesting
import SigmarisApp
import SigmarisTestSupport
import Testing

/// Remote-core mode streams too: the proxy's `/api/aei` stream is the core's `/persona/chat/stream`.
@Suite("Streamed turns through a remote core", .enabled(if: TestDatabase.shouldRun))
struct RemoteCoreStreamedTurnTests {
    @Test("the core's deltas reach the client as they come; the exchange is stored before done")
    func streamsThroughTheCore() async throws {
        let user = UUID()
        try await API.withCoreAndProxy { client in
            let events = try await SSE.aei(client, user: user, text: "hello there, who are you?")
            #expect(events.filter { $0.name == "delta" }.count > 1, "the core's local provider streams word by word")
            let done = try #require(events.last)
            #expect(done.name == "done")
            #expect(done.data["model"]?.stringValue == "sigmaris-local-v1")
            #expect(SSE.deltaText(events) == done.data["output"]?.stringValue)
        }
        #expect(try await API.rowCounts(userID: user.uuidString.lowercased()) == .init(
            messages: 2, snapshots: 1, turns: 2, episodes: 1, personaState: 1))
    }

    @Test("a core that fails ends the stream with core_failed and stores nothing")
    func coreFailure() async throws {
        try await StubHTTPServer.with({ _, _ in StubResponse.json(#"{"detail":"boom"}"#, status: 500) }) { stub in
            var configuration = try TestConfiguration.database()
            configuration.coreURL = URL(string: stub.baseURL)!
            let proxy = try buildApplication(configuration: configuration, logger: TestConfiguration.logger)
            let user = UUID()
            try await proxy.test(.router) { client in
                let events = try await SSE.aei(client, user: user, text: "hi")
                #expect(events.map(\.name) == ["error"])
                #expect(events.first?.data["reason"]?.stringValue == "core_failed")
            }
            #expect(try await API.rowCounts(userID: user.uuidString.lowercased()) == .init())
        }
    }
}
