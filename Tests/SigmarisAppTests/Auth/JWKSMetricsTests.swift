import Foundation
import SigmarisAuth
import SigmarisTestSupport
import Testing
@testable import SigmarisApp

/// Every JWKS fetch is counted by outcome in the application's metrics.
@Suite("JWKS refresh metrics")
struct JWKSMetricsTests {
    @Test func fetchesAreCountedBySuccessAndFailure() async throws {
        let keys = try KeyGenerations()
        let document = try KeyGenerations.jwks(keys.first)
        let failing = SharedValue(false)
        try await StubHTTPServer.with({ _, _ in failing.value ? StubResponse(status: 404) : .json(document) }) { server in
            try await withHTTPClient { http in
                let exposition = PrometheusExposition()
                let (_, jwks) = makeJWTVerifier(
                    configuration: jwksConfiguration(url: URL(string: server.baseURL + "/jwks.json")!),
                    http: http, logger: AuthTestApp.quietLogger, ttl: 0, minimumRefetchInterval: 0,
                    metrics: exposition.metrics)
                let cache = try #require(jwks)
                #expect(await cache.prefetch() == true)
                failing.update { $0 = true }
                #expect(await cache.prefetch() == true)  // the keys already held are kept
                let samples = MetricSample.parse(String(decoding: exposition.emit(), as: UTF8.self))
                #expect(samples.total(SigmarisMetrics.Name.jwksRefreshes, ["outcome": "success"]) == 1)
                #expect(samples.total(SigmarisMetrics.Name.jwksRefreshes, ["outcome": "failure"]) == 1)
            }
        }
    }
}
