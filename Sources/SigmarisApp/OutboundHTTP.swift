import NIOPosix
import ServiceLifecycle
import SigmarisCurl

/// The libcurl client for everything the service calls (LLM provider, JWKS, remote core) and the
/// threads its blocking transfers run on, stopped with the server.
///
/// An LLM call blocks its thread for seconds, so the pool is sized for concurrent calls, not cores.
final class OutboundHTTP: Service, Sendable {
    static let threads = 32
    let client: CurlHTTPClient
    private let threadPool: NIOThreadPool

    init() {
        threadPool = NIOThreadPool(numberOfThreads: Self.threads)
        threadPool.start()
        client = CurlHTTPClient(threadPool: threadPool)
    }

    func run() async throws {
        try? await gracefulShutdown()
        try await threadPool.shutdownGracefully()
    }
}
