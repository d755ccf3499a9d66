import SigmarisTestSupport

@testable import SigmarisApp

/// A stand-in remote core over real HTTP (`StubHTTPServer`), in the shapes of the cores that exist
/// (issue #28): the reference at the seed, which answers `POST /persona/chat` with JSON whatever
/// `Accept` says and has no other route; the later reference, which adds `POST /persona/chat/stream`;
/// and a core whose stream fails after its first piece.
enum StandInCore {
    enum Shape: String, CaseIterable, Sendable, CustomStringConvertible {
        case jsonOnly, jsonAndStream, failsMidStream
        var description: String { rawValue }
    }

    static let traceID = "0123456789abcdef0123456789abcdef"
    static let pieces = ["Hello there,", " from the stand-in core."]
    static var reply: String { pieces.joined() }
    static let meta = #"{"trace_id":"\#(traceID)","global_state":"NORMAL","safety":{"flag":"none"}}"#
    static var answer: String { #"{"reply":"\#(reply)","meta":\#(meta)}"# }

    static func event(_ name: String, _ data: String) -> String {
        OutgoingEvent(name: name, data: data).encoded()
    }

    /// What a core of `shape` answers to each request.
    static func script(_ shape: Shape) -> StubHTTPServer.StreamScript {
        { request, _, writer in
            switch (shape, request.uri) {
            case (.jsonOnly, "/persona/chat"), (.jsonAndStream, "/persona/chat"):
                try await json(answer, status: 200, writer)
            case (.failsMidStream, "/persona/chat"):
                try await json(#"{"detail":"Internal Server Error"}"#, status: 500, writer)
            case (.jsonAndStream, "/persona/chat/stream"):
                try await writer.head()
                try await writer.send(event("start", #"{"trace_id":"\#(traceID)","session_id":"s"}"#))
                for piece in pieces {
                    try await writer.send(event("delta", #"{"text":"\#(piece)"}"#))
                }
                try await writer.send(event("done", answer))
                try await writer.end()
            case (.failsMidStream, "/persona/chat/stream"):
                try await writer.head()
                try await writer.send(event("start", #"{"trace_id":"\#(traceID)","session_id":"s"}"#))
                try await writer.send(event("delta", #"{"text":"\#(pieces[0])"}"#))
                try await writer.send(event("error", #"{"error":"LLM provider failed","trace_id":"\#(traceID)"}"#))
                try await writer.end()
            default:
                // FastAPI's answer to a route it does not have.
                try await json(#"{"detail":"Not Found"}"#, status: 404, writer)
            }
        }
    }

    static func json(_ body: String, status: Int, _ writer: StreamingStubWriter) async throws {
        try await writer.head(status: status, headers: [("Content-Type", "application/json")])
        try await writer.send(body)
        try await writer.end()
    }

    /// The paths the core was asked, in order.
    static func paths(_ server: StubHTTPServer) -> [String] {
        server.requests.map(\.uri)
    }
}
