import SigmarisTestSupport
import SigmarisCurl
import Testing

/// Size caps and timeouts turn into the documented error codes.
@Suite("Limits")
struct LimitsTests {
    @Test("A response over the size cap fails with responseTooLarge", arguments: [false, true])
    func tooLarge(chunked: Bool) async throws {
        let payload = [UInt8].pattern(count: 1024 * 1024)
        try await StubHTTPServer.with({ _, _ in StubResponse(status: 200, body: payload, chunked: chunked) }) { server in
            let configuration = CurlHTTPClientConfiguration(maxResponseBytes: 64 * 1024)
            try await withCurlClient(configuration: configuration) { client in
                let error = await expectOutboundError {
                    try await client.send(HTTPRequest(url: server.baseURL + "/big"), logger: testLogger())
                }
                #expect(error?.code == .responseTooLarge)
            }
        }
    }

    @Test("A body exactly at the cap is accepted")
    func exactlyAtCap() async throws {
        let payload = [UInt8].pattern(count: 4096)
        try await StubHTTPServer.with({ _, _ in StubResponse(status: 200, body: payload, chunked: true) }) { server in
            try await withCurlClient(configuration: .init(maxResponseBytes: 4096)) { client in
                let response = try await client.send(HTTPRequest(url: server.baseURL + "/"), logger: testLogger())
                #expect(response.body == payload)
            }
        }
    }

    @Test("A server that never answers times out within the configured timeout")
    func neverAnswers() async throws {
        try await StubHTTPServer.with({ _, _ in nil }) { server in
            try await withCurlClient(configuration: .init(requestTimeout: .milliseconds(500))) { client in
                let start = ContinuousClock.now
                let error = await expectOutboundError {
                    try await client.send(HTTPRequest(url: server.baseURL + "/slow"), logger: testLogger())
                }
                let elapsed = ContinuousClock.now - start
                #expect(error?.code == .timedOut)
                #expect(error?.curlCode == 28)
                #expect(elapsed >= .milliseconds(450))
                #expect(elapsed < .seconds(3))
            }
        }
    }

    @Test("A per-request timeout overrides the configured one")
    func perRequestTimeout() async throws {
        try await StubHTTPServer.with({ _, _ in nil }) { server in
            try await withCurlClient(configuration: .init(requestTimeout: .seconds(30))) { client in
                let start = ContinuousClock.now
                let error = await expectOutboundError {
                    try await client.send(HTTPRequest(url: server.baseURL + "/", timeout: .milliseconds(300)), logger: testLogger())
                }
                #expect(error?.code == .timedOut)
                #expect(ContinuousClock.now - start < .seconds(3))
            }
        }
    }
}
