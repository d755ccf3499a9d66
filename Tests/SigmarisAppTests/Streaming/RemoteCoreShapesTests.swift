import Foundation
import HummingbirdTesting
import SigmarisEngine
import SigmarisJSON
import SigmarisTestSupport
import Testing

@testable import SigmarisApp

/// Remote-core mode in front of each shape of core that exists (issue #28), with a JSON turn and a
/// streamed turn on `/api/aei`: what the client gets, which of the core's routes were called, and
/// that each turn's rows are stored exactly once (or, when the core fails, not at all).
@Suite("Remote-core mode in front of the cores that exist", .enabled(if: TestDatabase.shouldRun))
struct RemoteCoreShapesTests {
    /// A proxy (`SIGMARIS_CORE_URL`) in front of a stand-in core of `shape`.
    static func withProxy(
        of shape: StandInCore.Shape, _ body: @Sendable (any TestClientProtocol, StubHTTPServer) async throws -> Void
    ) async throws {
        try await StubHTTPServer.with(streaming: StandInCore.script(shape)) { core in
            var configuration = try TestConfiguration.database()
            configuration.coreURL = URL(string: core.baseURL)!
            let proxy = try buildApplication(configuration: configuration, logger: TestConfiguration.logger)
            try await proxy.test(.router) { client in try await body(client, core) }
        }
    }

    static func jsonTurn(_ client: some TestClientProtocol, user: UUID) async throws -> (status: Int, body: JSONValue) {
        try await client.execute(
            uri: "/api/aei", method: .post, headers: API.bearer(API.userToken(user)), body: API.body(#"{"text":"hi there"}"#)
        ) { response in (Int(response.status.code), try API.json(response)) }
    }

    @Test("A core that only answers JSON: the stream is one delta then done, each turn sent to it once")
    func jsonOnly() async throws {
        let user = UUID()
        try await Self.withProxy(of: .jsonOnly) { client, core in
            let json = try await Self.jsonTurn(client, user: user)
            #expect(json.status == 200)
            #expect(json.body["output"]?.stringValue == StandInCore.reply)

            let events = try await SSE.aei(client, user: user, text: "hello, streamed")
            #expect(events.map(\.name) == ["delta", "done"], "no error event")
            #expect(SSE.deltaText(events) == StandInCore.reply)
            #expect(events.last?.data["output"]?.stringValue == StandInCore.reply)
            #expect(events.last?.data["python"]?["trace_id"]?.stringValue == StandInCore.traceID)

            // The next streamed turn goes straight to /persona/chat: the 404 was learned.
            _ = try await SSE.aei(client, user: user, text: "and again")
            #expect(StandInCore.paths(core) == ["/persona/chat", "/persona/chat/stream", "/persona/chat", "/persona/chat"])
        }
        #expect(try await API.rowCounts(userID: user.uuidString.lowercased()) == .init(messages: 6, snapshots: 3))
    }

    @Test("A core with /persona/chat/stream: its deltas reach the client, its done is what is stored")
    func jsonAndStream() async throws {
        let user = UUID()
        try await Self.withProxy(of: .jsonAndStream) { client, core in
            let json = try await Self.jsonTurn(client, user: user)
            #expect(json.status == 200)
            #expect(json.body["output"]?.stringValue == StandInCore.reply)

            let events = try await SSE.aei(client, user: user, text: "hello, streamed")
            #expect(events.map(\.name) == ["delta", "delta", "done"])
            #expect(events.filter { $0.name == "delta" }.compactMap { $0.data["text"]?.stringValue } == StandInCore.pieces)
            #expect(events.last?.data["output"]?.stringValue == StandInCore.reply)
            #expect(events.last?.data["python"]?["trace_id"]?.stringValue == StandInCore.traceID)
            #expect(StandInCore.paths(core) == ["/persona/chat", "/persona/chat/stream"])

            let history = try await client.execute(
                uri: "/api/aei?session=" + (events.last?.data["sessionId"]?.stringValue ?? ""), method: .get,
                headers: API.bearer(API.userToken(user))
            ) { response in try API.json(response) }
            #expect(history["messages"]?[0]?["ai"]?.stringValue == StandInCore.reply)
        }
        #expect(try await API.rowCounts(userID: user.uuidString.lowercased()) == .init(messages: 4, snapshots: 2))
    }

    @Test("A core that fails in the middle of its stream: a clear error event after the pieces, nothing stored")
    func failsMidStream() async throws {
        let user = UUID()
        try await Self.withProxy(of: .failsMidStream) { client, core in
            let json = try await Self.jsonTurn(client, user: user)
            #expect(json.status == 502)
            #expect(json.body["reason"]?.stringValue == "core_failed")

            let events = try await SSE.aei(client, user: user, text: "hello, streamed")
            #expect(events.map(\.name) == ["delta", "error"])
            #expect(SSE.deltaText(events) == StandInCore.pieces[0])
            #expect(events.last?.data["reason"]?.stringValue == "core_failed")
            #expect(events.last?.data["error"]?.stringValue == "Sigmaris core request failed")
            #expect(StandInCore.paths(core) == ["/persona/chat", "/persona/chat/stream"], "a failed turn is not sent again")
        }
        #expect(try await API.rowCounts(userID: user.uuidString.lowercased()) == .init())
    }
}
