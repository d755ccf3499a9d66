import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// What the stub saw for one request.
public struct StubRequest: Sendable {
    public var method: String
    public var uri: String
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }
}

/// What the stub answers. `nil` from the behaviour means "never answer".
public struct StubResponse: Sendable {
    public var status: Int = 200
    public var headers: [(name: String, value: String)] = []
    public var body: [UInt8] = []
    /// Omit Content-Length so NIO sends the body chunked: exercises the
    /// size cap in the write callback rather than libcurl's early check.
    public var chunked = false

    public init(status: Int = 200, headers: [(name: String, value: String)] = [], body: [UInt8] = [], chunked: Bool = false) {
        self.status = status
        self.headers = headers
        self.body = body
        self.chunked = chunked
    }

    /// A JSON answer.
    public static func json(_ text: String, status: Int = 200) -> StubResponse {
        StubResponse(status: status, headers: [("Content-Type", "application/json")], body: Array(text.utf8))
    }
}

/// A real HTTP/1.1 server on 127.0.0.1 with an ephemeral port, whose answers
/// the test controls. Every request is recorded, and accepted connections are
/// counted (to observe keep-alive reuse).
///
/// It answers each request whole (a ``Behavior``) or streams the answer chunk by chunk from a
/// ``StreamScript`` (see ``StreamingStubWriter``), and then sees a client that closes the
/// connection mid-response (``abandonedResponseCount``).
public final class StubHTTPServer: Sendable {
    /// `(request, zero-based index of the request on this server)`.
    public typealias Behavior = @Sendable (StubRequest, Int) -> StubResponse?
    /// `(request, zero-based index of the request on this server, writer)`.
    public typealias StreamScript = @Sendable (StubRequest, Int, StreamingStubWriter) async throws -> Void

    private let group: MultiThreadedEventLoopGroup
    private let channel: any Channel
    private let state: StubServerState

    public var port: Int { channel.localAddress!.port! }
    public var baseURL: String { "http://127.0.0.1:\(port)" }
    public var requests: [StubRequest] { state.recorded.withLock { $0 } }
    public var connectionCount: Int { state.connections.load(ordering: .relaxed) }
    /// Connections closed while a streamed response on them had started and not ended: a client
    /// that went away mid-stream.
    public var abandonedResponseCount: Int { state.abandoned.load(ordering: .relaxed) }

    private init(group: MultiThreadedEventLoopGroup, channel: any Channel, state: StubServerState) {
        self.group = group
        self.channel = channel
        self.state = state
    }

    public static func start(_ behavior: @escaping Behavior) async throws -> StubHTTPServer {
        try await start(StubServerState(responder: .whole(behavior)))
    }

    public static func start(streaming script: @escaping StreamScript) async throws -> StubHTTPServer {
        try await start(StubServerState(responder: .streamed(script)))
    }

    private static func start(_ state: StubServerState) async throws -> StubHTTPServer {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelOption(.backlog, value: 512)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(StubHandler(state: state))
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        return StubHTTPServer(group: group, channel: channel, state: state)
    }

    /// Closes the listener and every open connection.
    public func stop() async {
        try? await channel.close()
        try? await group.shutdownGracefully()
    }

    /// Waits until `count` streamed responses were abandoned by their client; false when they
    /// were not within `limit` (which only keeps a broken test from hanging).
    public func waitForAbandonedResponses(_ count: Int, limit: Duration = .seconds(10)) async -> Bool {
        await waitUntil(limit: limit) { abandonedResponseCount >= count }
    }

    /// Runs `body` with a started server and always stops it afterwards.
    public static func with<T>(
        _ behavior: @escaping Behavior,
        _ body: (StubHTTPServer) async throws -> T
    ) async throws -> T {
        try await scoped(start(behavior), close: { await $0.stop() }, body)
    }

    /// Runs `body` with a started streaming server and always stops it afterwards.
    public static func with<T>(
        streaming script: @escaping StreamScript,
        _ body: (StubHTTPServer) async throws -> T
    ) async throws -> T {
        try await scoped(start(streaming: script), close: { await $0.stop() }, body)
    }
}

private final class StubServerState: Sendable {
    enum Responder {
        case whole(StubHTTPServer.Behavior)
        case streamed(StubHTTPServer.StreamScript)
    }

    let responder: Responder
    let recorded = Mutex<[StubRequest]>([])
    let connections = Atomic<Int>(0)
    let abandoned = Atomic<Int>(0)

    init(responder: Responder) {
        self.responder = responder
    }

    /// Records the request and returns its index.
    func record(_ request: StubRequest) -> Int {
        recorded.withLock { requests in
            requests.append(request)
            return requests.count - 1
        }
    }
}

private final class StubHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let state: StubServerState
    private let connection = StreamingStubConnection()
    private var head: HTTPRequestHead?
    private var body: [UInt8] = []

    init(state: StubServerState) {
        self.state = state
    }

    func channelActive(context: ChannelHandlerContext) {
        state.connections.add(1, ordering: .relaxed)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        if connection.responding.load(ordering: .relaxed) {
            state.abandoned.add(1, ordering: .relaxed)
        }
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            body = []
        case .body(let buffer):
            body.append(contentsOf: buffer.readableBytesView)
        case .end:
            guard let head else { return }
            let request = StubRequest(
                method: head.method.rawValue,
                uri: head.uri,
                headers: head.headers.map { (name: $0.name, value: $0.value) },
                body: body
            )
            let index = state.record(request)
            switch state.responder {
            case .whole(let behavior):
                guard let response = behavior(request, index) else {
                    return  // never answer: the client must time out
                }
                respond(response, isHead: head.method == .HEAD, context: context)
            case .streamed(let script):
                let writer = StreamingStubWriter(channel: context.channel, connection: connection)
                // Writes after the client left fail; the script just ends then.
                Task { try? await script(request, index, writer) }
            }
        }
    }

    private func respond(_ response: StubResponse, isHead: Bool, context: ChannelHandlerContext) {
        var headers = HTTPHeaders(response.headers.map { ($0.name, $0.value) })
        if !response.chunked {
            headers.replaceOrAdd(name: "content-length", value: "\(response.body.count)")
        }
        let head = HTTPResponseHead(version: .http1_1, status: .init(statusCode: response.status), headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        if !isHead, !response.body.isEmpty {
            let buffer = context.channel.allocator.buffer(bytes: response.body)
            context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        }
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }
}
