import Foundation
import SigmarisCurl
import SigmarisTestSupport
import Testing

/// Issue 25: a real `sigmaris serve` stopped with SIGTERM while a streamed turn is in flight drains
/// in order: `/readyz` answers 503 `draining`; the listener closes; the stream still ends with its
/// `done` event (its rows stored); the process exits with 0. The provider is a stub that holds the
/// reply until the test lets it go, so the test orders events and measures no time.
@Suite("Graceful drain on SIGTERM", .enabled(if: TestDatabase.shouldRun))
struct DrainTests {
    @Test func aStreamInFlightFinishesAfterSIGTERMWhileReadinessFailsAndTheListenerCloses() async throws {
        let gate = TestSignal()
        let chat = StreamingProviderTurnTests.held(until: gate, reply: "Still here.")
        try await StubHTTPServer.with(streaming: StreamingProviderTurnTests.stub(chat: chat)) { provider in
            let server = try ServeProcess.start([
                "SIGMARIS_LLM_PROVIDER": "openai", "OPENAI_BASE_URL": provider.baseURL + "/v1", "SIGMARIS_DRAIN_TIMEOUT": "60",
            ])
            defer { server.stop() }
            let user = UUID()
            try await withHTTPClient(requestTimeout: .seconds(60)) { http in
                // Also what a load balancer does: from now on the process knows readiness is watched.
                let ready = await server.waitUntilReady(http: http)
                try #require(ready, "the server did not start: \(server.log)")

                var stream = http.stream(HTTPRequest(
                    method: .post, url: server.baseURL + "/api/aei",
                    headers: [("Authorization", "Bearer " + API.userToken(user)), ("Content-Type", "application/json"),
                              ("Accept", "text/event-stream")],
                    body: Array(#"{"text":"are you there?"}"#.utf8)), logger: TestDatabase.logger).makeAsyncIterator()
                guard case .head(let head) = try await stream.next() else { Issue.record("no head"); return }
                #expect(head.status == 200)

                server.process.signal(SIGTERM)

                // 1. Readiness fails while the listener still accepts.
                var readiness: HTTPResponse?
                for _ in 0..<250 where readiness?.status != 503 {
                    readiness = try? await http.send(HTTPRequest(method: .get, url: server.baseURL + "/readyz"), logger: TestDatabase.logger)
                    if readiness?.status != 503 { try await Task.sleep(for: .milliseconds(20)) }
                }
                #expect(readiness?.status == 503, "\(server.log)")
                let readinessBody = String(decoding: readiness?.body ?? [], as: UTF8.self)
                #expect(readinessBody.contains(#""status":"draining""#), "\(readinessBody)")

                // 2. Then the listener closes: new connections are refused.
                var refused = false
                for _ in 0..<500 where !refused {
                    do {
                        _ = try await http.send(HTTPRequest(method: .get, url: server.baseURL + "/healthz"), logger: TestDatabase.logger)
                        try await Task.sleep(for: .milliseconds(20))
                    } catch {
                        refused = true
                    }
                }
                #expect(refused, "the listener stayed open")
                #expect(await server.process.exitStatus(within: .milliseconds(100)) == nil, "it exited with a stream in flight")

                // 3. The stream in flight still ends as usual, its turn stored.
                gate.raise()
                var body: [UInt8] = []
                while let part = try await stream.next() {
                    if case .body(let bytes) = part { body += bytes }
                }
                let events = try SSE.events(String(decoding: body, as: UTF8.self))
                #expect(events.last?.name == "done", "\(events)")
                #expect(SSE.deltaText(events) == "Still here.")

                // 4. And the process exits, cleanly.
                #expect(await server.process.exitStatus(within: .seconds(30)) == 0, "\(server.log)")
            }
            #expect(try await API.rowCounts(userID: user.uuidString.lowercased()).messages == 2)
        }
    }
}
