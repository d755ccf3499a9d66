import NIOPosix
import SigmarisCurl

/// Runs `body` with a curl client on its own started thread pool, shut down afterwards.
func withHTTPClient<T>(
    threads: Int = 4,
    requestTimeout: Duration = .seconds(5),
    _ body: (CurlHTTPClient) async throws -> T
) async throws -> T {
    let pool = NIOThreadPool(numberOfThreads: threads)
    pool.start()
    let client = CurlHTTPClient(
        threadPool: pool,
        configuration: CurlHTTPClientConfiguration(connectTimeout: .seconds(2), requestTimeout: requestTimeout))
    do {
        let result = try await body(client)
        try await pool.shutdownGracefully()
        return result
    } catch {
        try? await pool.shutdownGracefully()
        throw error
    }
}
