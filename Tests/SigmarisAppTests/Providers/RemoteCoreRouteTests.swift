import Foundation
import SigmarisTestSupport
import Testing

@testable import SigmarisApp

/// Which of a core's routes a streamed turn goes to, learned once per core (`CoreStreamSupport`),
/// against the stand-in cores of issue #28 and the older shape of this service.
@Suite("Remote core client: the routes a core has")
struct RemoteCoreRouteTests {
    typealias Harness = RemoteCoreStreamingTests

    @Test("A core without /persona/chat/stream: the first turn learns it from the 404, the next goes straight to /persona/chat")
    func jsonOnlyCore() async throws {
        try await StubHTTPServer.with(streaming: StandInCore.script(.jsonOnly)) { server in
            let support = CoreStreamSupport()
            let first = try await Harness.streamChat(baseURL: server.baseURL, streamSupport: support)
            #expect(first.error == nil)
            #expect(first.deltas == [StandInCore.reply], "the JSON reply is the one piece")
            #expect(first.answer?.reply == StandInCore.reply)
            #expect(first.answer?.meta["trace_id"]?.stringValue == StandInCore.traceID)
            #expect(first.answer?.model == "remote")
            #expect(StandInCore.paths(server) == ["/persona/chat/stream", "/persona/chat"])
            #expect(support.knowledge() == .noStreamRoute)

            let second = try await Harness.streamChat(baseURL: server.baseURL, streamSupport: support)
            #expect(second.deltas == [StandInCore.reply])
            #expect(StandInCore.paths(server) == ["/persona/chat/stream", "/persona/chat", "/persona/chat"])
            #expect(server.requests.last?.header("accept") == "text/event-stream")
        }
    }

    @Test("A 405 on /persona/chat/stream also says the core has no such route")
    func methodNotAllowed() async throws {
        try await StubHTTPServer.with(streaming: { request, index, writer in
            guard request.uri == "/persona/chat/stream" else {
                return try await StandInCore.script(.jsonOnly)(request, index, writer)
            }
            try await StandInCore.json(#"{"detail":"Method Not Allowed"}"#, status: 405, writer)
        }) { server in
            let support = CoreStreamSupport()
            let result = try await Harness.streamChat(baseURL: server.baseURL, streamSupport: support)
            #expect(result.answer?.reply == StandInCore.reply)
            #expect(StandInCore.paths(server) == ["/persona/chat/stream", "/persona/chat"])
            #expect(support.knowledge() == .noStreamRoute)
        }
    }

    @Test("A core with /persona/chat/stream: learned from the first turn, and no turn goes to /persona/chat")
    func streamingCore() async throws {
        try await StubHTTPServer.with(streaming: StandInCore.script(.jsonAndStream)) { server in
            let support = CoreStreamSupport()
            for _ in 1...2 {
                let result = try await Harness.streamChat(baseURL: server.baseURL, streamSupport: support)
                #expect(result.error == nil)
                #expect(result.deltas == StandInCore.pieces)
                #expect(result.answer?.reply == StandInCore.reply)
            }
            #expect(StandInCore.paths(server) == ["/persona/chat/stream", "/persona/chat/stream"])
            #expect(support.knowledge() == .hasStreamRoute)
        }
    }

    @Test("A core that streams /persona/chat itself (this service before /persona/chat/stream) is read as a stream")
    func olderSigmarisCore() async throws {
        try await StubHTTPServer.with(streaming: { request, _, writer in
            guard request.uri == "/persona/chat" else {
                return try await StandInCore.json(#"{"error":"Not Found"}"#, status: 404, writer)
            }
            try await writer.head(headers: [("Content-Type", "text/event-stream; charset=utf-8"), ("x-sigmaris-model", "core-model")])
            for piece in StandInCore.pieces {
                try await writer.send(StandInCore.event("delta", #"{"text":"\#(piece)"}"#))
            }
            try await writer.send(StandInCore.event("done", StandInCore.answer))
            try await writer.end()
        }) { server in
            let result = try await Harness.streamChat(baseURL: server.baseURL)
            #expect(result.error == nil)
            #expect(result.deltas == StandInCore.pieces)
            #expect(result.answer?.model == "core-model")
            #expect(StandInCore.paths(server) == ["/persona/chat/stream", "/persona/chat"])
        }
    }

    @Test("A core failing on /persona/chat/stream is a 502 sent once; nothing is learned from it")
    func failureTeachesNothing() async throws {
        try await StubHTTPServer.with({ _, _ in StubResponse.json(#"{"detail":"boom"}"#, status: 500) }) { server in
            let support = CoreStreamSupport()
            let result = try await Harness.streamChat(baseURL: server.baseURL, streamSupport: support)
            let apiError = try #require(result.error as? APIError)
            #expect(apiError.reason == "core_failed")
            #expect(StandInCore.paths(server) == ["/persona/chat/stream"])
            #expect(support.knowledge() == .unknown)
        }
    }

    @Test("A core found without the route is asked again once relearnInterval has passed")
    func relearns() async throws {
        try await StubHTTPServer.with(streaming: StandInCore.script(.jsonOnly)) { server in
            let support = CoreStreamSupport(relearnInterval: .zero)
            for _ in 1...2 {
                _ = try await Harness.streamChat(baseURL: server.baseURL, streamSupport: support)
            }
            #expect(StandInCore.paths(server) == ["/persona/chat/stream", "/persona/chat", "/persona/chat/stream", "/persona/chat"])
        }
    }

    @Test("What is learned, and for how long")
    func knowledge() {
        let start = ContinuousClock.now
        let support = CoreStreamSupport(relearnInterval: .seconds(600))
        #expect(support.knowledge(now: start) == .unknown)
        #expect(support.triesStreamRoute(now: start))
        support.learn(hasStreamRoute: false, now: start)
        #expect(support.knowledge(now: start + .seconds(599)) == .noStreamRoute)
        #expect(!support.triesStreamRoute(now: start + .seconds(599)))
        #expect(support.knowledge(now: start + .seconds(600)) == .unknown)
        support.learn(hasStreamRoute: true, now: start)
        #expect(support.knowledge(now: start + .seconds(86_400)) == .hasStreamRoute)
    }
}
