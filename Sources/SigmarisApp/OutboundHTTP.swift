import ServiceLifecycle
import SigmarisCurl

/// The libcurl clients for everything the service calls (LLM provider, JWKS, remote core), stopped
/// with the server: the blocking one with the threads its transfers run on, and the streaming one
/// (streamed replies) with its one thread.
///
/// An LLM call blocks its thread for seconds, so the pool is sized for concurrent calls, not cores.
/// The threads start with the first transfer (see `CurlThreads`, `CurlStreamingClient`), so
/// building this costs nothing.
final class OutboundHTTP: Service, Sendable {
    static let threads = 32
    let client: CurlHTTPClient
    let streaming: CurlStreamingClient
    private let threads: CurlThreads

    init() {
        threads = CurlThreads(count: Self.threads)
        client = CurlHTTPClient(threads: threads)
        streaming = CurlStreamingClient()
    }

    func run() async throws {
        try? await gracefulShutdown()
        await streaming.shutdown()
        await threads.shutdown()
    }
}
