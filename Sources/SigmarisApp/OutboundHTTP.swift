import ServiceLifecycle
import SigmarisCurl

/// The libcurl client for everything the service calls (LLM provider, JWKS, remote core) and the
/// threads its blocking transfers run on, stopped with the server.
///
/// An LLM call blocks its thread for seconds, so the pool is sized for concurrent calls, not cores.
/// The threads start with the first transfer (see `CurlThreads`), so building this costs nothing.
final class OutboundHTTP: Service, Sendable {
    static let threads = 32
    let client: CurlHTTPClient
    private let threads: CurlThreads

    init() {
        threads = CurlThreads(count: Self.threads)
        client = CurlHTTPClient(threads: threads)
    }

    func run() async throws {
        try? await gracefulShutdown()
        await threads.shutdown()
    }
}
