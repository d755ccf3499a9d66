import SigmarisTestSupport
import SigmarisCurl
import Testing

/// `send(_:retry:logger:)` against a real server.
@Suite("Retrying send")
struct RetryTests {
    /// Fast and deterministic backoff so the tests take milliseconds.
    let policy = RetryPolicy(maxAttempts: 3, baseBackoff: .milliseconds(10), maxBackoff: .milliseconds(50), jitter: .none)

    @Test("503 twice then 200 takes three attempts and returns the 200")
    func retriesUntilSuccess() async throws {
        try await StubHTTPServer.with({ _, index in
            index < 2 ? StubResponse(status: 503) : StubResponse(status: 200, body: Array("ok".utf8))
        }) { server in
            try await withCurlClient { client in
                let capture = LogCapture()
                let response = try await client.send(HTTPRequest(url: server.baseURL + "/flaky"), retry: policy, logger: capture.logger)
                #expect(response.status == 200)
                #expect(response.body == Array("ok".utf8))
                #expect(server.requests.count == 3)
                let attempts = capture.all.filter { $0.message == "outbound HTTP request completed" }
                #expect(attempts.compactMap { $0.metadata["http.attempt"] } == ["1", "2", "3"])
                #expect(attempts.compactMap { $0.metadata["http.status"] } == ["503", "503", "200"])
                #expect(attempts.allSatisfy { $0.metadata["http.duration_ms"] != nil })
            }
        }
    }

    @Test("400 is not retried")
    func clientErrorNotRetried() async throws {
        try await StubHTTPServer.with({ _, _ in StubResponse(status: 400) }) { server in
            try await withCurlClient { client in
                let response = try await client.send(HTTPRequest(url: server.baseURL + "/bad"), retry: policy, logger: testLogger())
                #expect(response.status == 400)
                #expect(server.requests.count == 1)
            }
        }
    }

    @Test("When attempts run out, the last retryable response is returned")
    func exhaustedReturnsLastResponse() async throws {
        try await StubHTTPServer.with({ _, _ in StubResponse(status: 503) }) { server in
            try await withCurlClient { client in
                let response = try await client.send(HTTPRequest(url: server.baseURL + "/down"), retry: policy, logger: testLogger())
                #expect(response.status == 503)
                #expect(server.requests.count == 3)
            }
        }
    }

    @Test("POST is not re-sent after a 503 unless the policy opts in")
    func postNotRetriedByDefault() async throws {
        try await StubHTTPServer.with({ _, index in StubResponse(status: index == 0 ? 503 : 200) }) { server in
            try await withCurlClient { client in
                let request = HTTPRequest(method: .post, url: server.baseURL + "/pay", body: [1])
                let first = try await client.send(request, retry: policy, logger: testLogger())
                #expect(first.status == 503)
                #expect(server.requests.count == 1)

                var optedIn = policy
                optedIn.retriesNonIdempotentRequests = true
                let second = try await client.send(request, retry: optedIn, logger: testLogger())
                #expect(second.status == 200)
            }
        }
    }

    @Test("Retry-After is honoured")
    func honoursRetryAfter() async throws {
        try await StubHTTPServer.with({ _, index in
            index == 0 ? StubResponse(status: 429, headers: [("Retry-After", "1")]) : StubResponse(status: 200)
        }) { server in
            try await withCurlClient { client in
                let start = ContinuousClock.now
                let response = try await client.send(HTTPRequest(url: server.baseURL + "/limited"), retry: policy, logger: testLogger())
                #expect(response.status == 200)
                #expect(server.requests.count == 2)
                #expect(ContinuousClock.now - start >= .milliseconds(950), "waited Retry-After, not the 10 ms backoff")
            }
        }
    }

    @Test("A Retry-After beyond the bound returns the response without waiting")
    func retryAfterTooLong() async throws {
        try await StubHTTPServer.with({ _, _ in StubResponse(status: 429, headers: [("Retry-After", "3600")]) }) { server in
            try await withCurlClient { client in
                let start = ContinuousClock.now
                let response = try await client.send(HTTPRequest(url: server.baseURL + "/limited"), retry: policy, logger: testLogger())
                #expect(response.status == 429)
                #expect(server.requests.count == 1)
                // Far below the hour it asked for (a bound for a busy machine, not a speed check).
                #expect(ContinuousClock.now - start < .seconds(60))
            }
        }
    }

    @Test("Connect failures are retried, then the error is thrown")
    func connectFailureRetriedThenThrown() async throws {
        let reserved = try ErrorTests.closedPort()
        let port = reserved.port
        defer { withExtendedLifetime(reserved) {} }
        try await withCurlClient { client in
            let capture = LogCapture()
            let error = await expectOutboundError {
                try await client.send(HTTPRequest(method: .post, url: "http://127.0.0.1:\(port)/"), retry: policy, logger: capture.logger)
            }
            #expect(error?.code == .couldNotConnect)
            // Three "failed" lines: safe to re-send a POST that never connected.
            #expect(capture.all.filter { $0.message == "outbound HTTP request failed" }.count == 3)
        }
    }

    @Test("Timeouts of idempotent requests are retried")
    func timeoutRetried() async throws {
        try await StubHTTPServer.with({ _, index in index == 0 ? nil : StubResponse(status: 200) }) { server in
            try await withCurlClient { client in
                let response = try await client.send(
                    HTTPRequest(url: server.baseURL + "/", timeout: .milliseconds(300)),
                    retry: policy,
                    logger: testLogger()
                )
                #expect(response.status == 200)
                #expect(server.requests.count == 2)
            }
        }
    }

    // MARK: - One deadline for the whole call

    @Test("A retry that could not start before the deadline is not made; the last answer comes back at once")
    func noRetryPastTheDeadline() async throws {
        try await StubHTTPServer.with({ _, _ in StubResponse(status: 503) }) { server in
            try await withCurlClient { client in
                // The backoff (10 s) is longer than the whole call may take (5 s).
                let slow = RetryPolicy(maxAttempts: 3, baseBackoff: .seconds(10), maxBackoff: .seconds(10), jitter: .none)
                let start = ContinuousClock.now
                let response = try await client.send(
                    HTTPRequest(url: server.baseURL + "/down").within(.seconds(5)), retry: slow, logger: testLogger())
                #expect(response.status == 503)
                #expect(server.requests.count == 1)
                #expect(ContinuousClock.now - start < .seconds(9), "it waited for a retry it could not make")
            }
        }
    }

    @Test("A server that never answers: the deadline ends the call, retries included")
    func hangingServerEndsAtTheDeadline() async throws {
        try await StubHTTPServer.with({ _, _ in nil }) { server in
            try await withCurlClient(configuration: .init(requestTimeout: .seconds(60))) { client in
                // Timeouts are retryable for a GET: without the deadline this would be 3 x 60 s.
                let policy = RetryPolicy(maxAttempts: 3, baseBackoff: .milliseconds(200), maxBackoff: .milliseconds(200), jitter: .none)
                let start = ContinuousClock.now
                let error = await expectOutboundError {
                    try await client.send(HTTPRequest(url: server.baseURL + "/hang").within(.milliseconds(500)), retry: policy, logger: testLogger())
                }
                #expect(error?.code == .timedOut)
                #expect(server.requests.count == 1)
                // A hang guard, not a speed goal.
                #expect(ContinuousClock.now - start < .seconds(10))
            }
        }
    }

    @Test("A deadline already past fails with timedOut without sending")
    func deadlineAlreadyPast() async throws {
        try await StubHTTPServer.with({ _, _ in StubResponse(status: 200) }) { server in
            try await withCurlClient { client in
                let error = await expectOutboundError {
                    try await client.send(
                        HTTPRequest(url: server.baseURL + "/late", deadline: .now - .seconds(1)), logger: testLogger())
                }
                #expect(error?.code == .timedOut)
                #expect(server.requests.isEmpty)
            }
        }
    }
}
