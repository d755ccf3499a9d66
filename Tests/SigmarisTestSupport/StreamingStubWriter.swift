import NIOCore
import NIOHTTP1
import Synchronization

/// Writes one streamed (chunked) response from a test's script: the head, then chunks as the
/// script decides (after a delay, or after the test allows it), then the end. Every write is
/// flushed at once, so each chunk leaves in its own write.
public struct StreamingStubWriter: Sendable {
    let channel: any Channel
    let connection: StreamingStubConnection

    /// Starts a chunked response (no Content-Length).
    public func head(status: Int = 200, headers: [(String, String)] = [("Content-Type", "text/event-stream")]) async throws {
        connection.responding.store(true, ordering: .relaxed)
        let head = HTTPResponseHead(version: .http1_1, status: .init(statusCode: status), headers: HTTPHeaders(headers))
        try await channel.writeAndFlush(HTTPServerResponsePart.head(head))
    }

    /// One chunk.
    public func send(_ bytes: [UInt8]) async throws {
        try await channel.writeAndFlush(HTTPServerResponsePart.body(.byteBuffer(ByteBuffer(bytes: bytes))))
    }

    public func send(_ text: String) async throws {
        try await send(Array(text.utf8))
    }

    /// Ends the response (the terminating empty chunk).
    public func end() async throws {
        try await channel.writeAndFlush(HTTPServerResponsePart.end(nil))
        connection.responding.store(false, ordering: .relaxed)
    }

    /// Returns once the connection is closed (by the client, or the server stopping).
    public func waitUntilClosed() async {
        try? await channel.closeFuture.get()
    }
}

/// Per connection: whether a response is under way (for ``StubHTTPServer/abandonedResponseCount``).
final class StreamingStubConnection: Sendable {
    let responding = Atomic<Bool>(false)
}
