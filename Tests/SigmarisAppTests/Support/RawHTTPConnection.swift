import NIOCore
import NIOPosix

/// One client connection that sends requests and reads whole responses (a `Content-Length` body),
/// one after the other, on the same socket: whether the server keeps the connection shows.
struct RawHTTPConnection {
    struct Response {
        var head: String
        var body: String
        var status: Int { Int(head.split(separator: " ").dropFirst().first ?? "") ?? 0 }
    }

    let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    var inbound: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
    var buffered = ByteBuffer()

    static func with(port: Int, _ body: (inout RawHTTPConnection) async throws -> Void) async throws {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture { try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel) }
            }
        try await channel.executeThenClose { inbound, outbound in
            var connection = RawHTTPConnection(outbound: outbound, inbound: inbound.makeAsyncIterator())
            try await body(&connection)
        }
    }

    struct ClosedEarly: Error {}

    mutating func exchange(_ request: String) async throws -> Response {
        try await outbound.write(ByteBuffer(string: request))
        while true {
            let text = String(buffer: buffered)
            if let end = text.range(of: "\r\n\r\n") {
                let head = String(text[..<end.lowerBound])
                let length = head.split(separator: "\r\n")
                    .first { $0.lowercased().hasPrefix("content-length:") }
                    .flatMap { Int($0.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) } ?? 0
                let headBytes = head.utf8.count + 4
                if buffered.readableBytes >= headBytes + length {
                    buffered.moveReaderIndex(forwardBy: headBytes)
                    let body = buffered.readString(length: length) ?? ""
                    buffered.discardReadBytes()
                    return Response(head: head, body: body)
                }
            }
            guard var more = try await inbound.next() else { throw ClosedEarly() }
            buffered.writeBuffer(&more)
        }
    }
}

/// A client that starts one `/api/aei` turn on a connection of its own and may then leave mid-turn
/// (`channel.close()`): what the disconnect tests need, which a test client that reads the whole
/// answer cannot do.
enum LeavingClient {
    static func startTurn(port: Int, token: String, text: String, streamed: Bool = false) async throws -> any Channel {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port).get()
        let body = #"{"text":"\#(text)"}"#
        try await channel.writeAndFlush(ByteBuffer(string:
            "POST /api/aei HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(token)\r\n"
            + (streamed ? "Accept: text/event-stream\r\n" : "")
            + "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
        )).get()
        return channel
    }
}
