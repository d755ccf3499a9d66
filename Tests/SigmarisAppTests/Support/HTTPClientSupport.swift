import SigmarisCurl
import SigmarisTestSupport

/// Runs `body` with a curl client of its own (its own thread and connections), shut down afterwards.
func withHTTPClient<T>(
    requestTimeout: Duration = .seconds(5),
    _ body: (CurlHTTPClient) async throws -> T
) async throws -> T {
    try await scoped(
        CurlHTTPClient(configuration: CurlHTTPClientConfiguration(connectTimeout: .seconds(2), requestTimeout: requestTimeout)),
        close: { await $0.shutdown() }, body)
}
