import Foundation
import HummingbirdTesting
@testable import SigmarisApp
import SigmarisTestSupport
import Testing

/// A streamed turn is logged and counted when its body ends, with its real duration and how it ended
/// (issue #22: it was a 200 of about 0 ms, even when it ended with an `error` event).
@Suite("Streamed responses in the request log and the metrics", .enabled(if: TestDatabase.shouldRun))
struct StreamRecordingTests {
    static func requestLine(_ capture: LogCapture, path: String) -> LogCapture.Entry? {
        capture.all.last { $0.message == "request" && $0.metadata["http.path"] == path }
    }

    @Test("a stream that ends with an error event: its outcome and its whole duration")
    func errorEvent() async throws {
        let delay = 300
        let script = StreamingProviderTurnTests.stub { _, _, writer in
            try await writer.head()
            try await writer.send(FakeOpenAIStream.roleChunk + FakeOpenAIStream.piece("Half an ans"))
            try await Task.sleep(for: .milliseconds(delay))
            try await writer.send(FakeOpenAIStream.event(["error": ["type": "server_error", "message": "model crashed"]]))
            try await writer.end()
        }
        try await StubHTTPServer.with(streaming: script) { provider in
            let capture = LogCapture()
            let app = try buildApplication(configuration: try StreamingProviderTurnTests.configuration(provider: provider), logger: capture.logger)
            try await app.test(.live) { client in
                let events = try await SSE.aei(client, user: UUID(), text: "hi")
                #expect(events.last?.name == "error")
                #expect(await waitUntil { Self.requestLine(capture, path: "/api/aei") != nil })
                let line = try #require(Self.requestLine(capture, path: "/api/aei"))
                #expect(line.metadata["http.outcome"] == "error")
                #expect(line.metadata["http.status"] == "200")
                #expect(try #require(Double(line.metadata["http.duration_ms"] ?? "")) >= Double(delay), "the line was written before the stream ended")

                // On a connection of its own: the stream's answer said `Connection: close`.
                var metrics = ""
                try await RawHTTPConnection.with(port: try #require(client.port)) { metrics = try await $0.exchange("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n").body }
                let streams = metrics.split(separator: "\n").filter { $0.hasPrefix("sigmaris_http_streams_total{") }
                #expect(streams.contains { $0.contains(#"outcome="error""#) && $0.contains(#"route="/api/aei""#) && $0.hasSuffix(" 1") }, "\(streams)")
                // Every outcome's series exists from the start (at zero); `done` stays there.
                #expect(!streams.contains { $0.contains(#"outcome="done""#) && !$0.hasSuffix(" 0") }, "\(streams)")
            }
        }
    }

    @Test("a stream that ends with done, and an ordinary answer, both say how they ended")
    func doneAndComplete() async throws {
        try await StubHTTPServer.with(streaming: StreamingProviderTurnTests.stub(chat: FakeOpenAIStream.answer(["Hello"]))) { provider in
            let capture = LogCapture()
            let app = try buildApplication(configuration: try StreamingProviderTurnTests.configuration(provider: provider), logger: capture.logger)
            try await app.test(.live) { client in
                let events = try await SSE.aei(client, user: UUID(), text: "hi")
                #expect(events.last?.name == "done")
                try await RawHTTPConnection.with(port: try #require(client.port)) { _ = try await $0.exchange("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n") }
                #expect(await waitUntil { Self.requestLine(capture, path: "/api/aei") != nil })
                #expect(Self.requestLine(capture, path: "/api/aei")?.metadata["http.outcome"] == "done")
                #expect(Self.requestLine(capture, path: "/healthz")?.metadata["http.outcome"] == "complete")
            }
        }
    }
}
