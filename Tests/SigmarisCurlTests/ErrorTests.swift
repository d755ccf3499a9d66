import SigmarisTestSupport
import NIOPosix
import SigmarisCurl
import Testing

/// Failures map to stable codes, and never leak request secrets.
@Suite("Errors")
struct ErrorTests {
    static let secret = "sk_live_TOPSECRET_9f8e7d6c"

    /// A port nothing listens on, held for the test (see `ReservedPort`).
    static func closedPort() throws -> ReservedPort {
        try ReservedPort()
    }

    @Test("A closed port fails with couldNotConnect")
    func closedPort() async throws {
        let reserved = try Self.closedPort()
        let port = reserved.port
        defer { withExtendedLifetime(reserved) {} }
        try await withCurlClient { client in
            let error = await expectOutboundError {
                try await client.send(HTTPRequest(url: "http://127.0.0.1:\(port)/x"), logger: testLogger())
            }
            #expect(error?.code == .couldNotConnect)
            #expect(error?.curlCode == 7)
        }
    }

    @Test("Malformed or non-HTTP URLs fail with invalidURL", arguments: [
        "", "not a url", "example.com/path", "ftp://example.com/file", "file:///etc/passwd", "http://", "http://exa mple.com/",
    ])
    func invalidURL(url: String) async throws {
        try await withCurlClient { client in
            let error = await expectOutboundError {
                try await client.send(HTTPRequest(url: url), logger: testLogger())
            }
            #expect(error?.code == .invalidURL)
        }
    }

    @Test("Header names or values that could inject lines fail with invalidRequest", arguments: [
        ("X-Ok", "a\r\nInjected: yes"), ("X-Ok", "a\nb"), ("Bad Name", "v"), ("", "v"),
    ])
    func headerInjection(name: String, value: String) async throws {
        try await StubHTTPServer.with({ _, _ in StubResponse(status: 200) }) { server in
            try await withCurlClient { client in
                let error = await expectOutboundError {
                    try await client.send(HTTPRequest(url: server.baseURL + "/", headers: [(name, value)]), logger: testLogger())
                }
                #expect(error?.code == .invalidRequest)
                #expect(server.requests.isEmpty, "nothing was sent")
            }
        }
    }

    @Test("Methods must be HTTP tokens")
    func methodValidation() {
        #expect(HTTPMethod(rawValue: "GET\r\nX: y") == nil)
        #expect(HTTPMethod(rawValue: "GE T") == nil)
        #expect(HTTPMethod(rawValue: "") == nil)
        #expect(HTTPMethod(rawValue: "PROPFIND")?.rawValue == "PROPFIND")
    }

    @Test("Error descriptions and logs never contain credentials, query strings or header values")
    func redaction() async throws {
        let reserved = try Self.closedPort()
        let port = reserved.port
        defer { withExtendedLifetime(reserved) {} }
        let capture = LogCapture()
        try await withCurlClient { client in
            let request = HTTPRequest(
                method: .post,
                url: "http://admin:\(Self.secret)@127.0.0.1:\(port)/v1/charge?api_key=\(Self.secret)#\(Self.secret)",
                headers: [("Authorization", "Bearer \(Self.secret)"), ("X-Api-Key", Self.secret)],
                body: Array("card=\(Self.secret)".utf8)
            )
            let error = try #require(await expectOutboundError { try await client.send(request, logger: capture.logger) })
            let description = String(describing: error)
            #expect(error.code == .couldNotConnect)
            #expect(!description.contains(Self.secret))
            #expect(!description.contains("api_key"))
            #expect(!description.contains("admin"))
            #expect(!description.contains("Bearer"))
            #expect(description.contains("http://127.0.0.1:\(port)/v1/charge"))
            #expect(error.redactedURL == "http://127.0.0.1:\(port)/v1/charge")

            let logs = capture.all
            #expect(!logs.isEmpty)
            let failure = try #require(logs.first { $0.message == "outbound HTTP request failed" })
            #expect(failure.metadata["http.method"] == "POST")
            #expect(failure.metadata["http.url"] == "http://127.0.0.1:\(port)/v1/charge")
            #expect(failure.metadata["http.error"] == "couldNotConnect")
            for entry in logs {
                let line = entry.rendered
                #expect(!line.contains(Self.secret))
                #expect(!line.contains("api_key"))
                #expect(!line.contains("Bearer"))
            }
        }
    }

    @Test("Requests and responses describe themselves without their contents")
    func valueDescriptions() {
        let request = HTTPRequest(
            method: .post,
            url: "https://api.example.com/v1/x?key=\(Self.secret)",
            headers: [("Authorization", "Bearer \(Self.secret)")],
            body: Array(Self.secret.utf8)
        )
        let response = HTTPResponse(status: 200, headers: [("set-cookie", Self.secret)], body: Array(Self.secret.utf8))
        for text in [String(describing: request), String(reflecting: request), "\(response)", String(reflecting: response)] {
            #expect(!text.contains(Self.secret))
            #expect(!text.contains("Bearer"))
        }
        #expect(String(describing: request) == "HTTPRequest(POST https://api.example.com/v1/x, 1 headers, \(Self.secret.utf8.count)-byte body)")
        var dumped = ""
        dump(request, to: &dumped)
        #expect(!dumped.contains(Self.secret))
    }

    @Test("A secret in an unparseable URL stays out of the error")
    func redactionOfInvalidURL() async throws {
        let capture = LogCapture()
        try await withCurlClient { client in
            let error = try #require(await expectOutboundError {
                try await client.send(HTTPRequest(url: "ht!tp://x/\(Self.secret)?k=\(Self.secret)"), logger: capture.logger)
            })
            #expect(error.code == .invalidURL)
            #expect(!String(describing: error).contains(Self.secret))
            #expect(capture.all.allSatisfy { !$0.rendered.contains(Self.secret) })
        }
    }

    @Test("Cancelling the task aborts a hanging transfer promptly")
    func cancellation() async throws {
        try await StubHTTPServer.with({ _, _ in nil }) { server in
            try await withCurlClient(configuration: .init(requestTimeout: .seconds(30))) { client in
                let start = ContinuousClock.now
                let task = Task {
                    await expectOutboundError {
                        try await client.send(HTTPRequest(url: server.baseURL + "/hang"), logger: testLogger())
                    }
                }
                try await Task.sleep(for: .milliseconds(300))
                task.cancel()
                let error = await task.value
                #expect(error?.code == .cancelled)
                // A hang guard, not a speed goal: the transfer is removed from the loop at once.
                #expect(ContinuousClock.now - start < .seconds(10))
            }
        }
    }

    @Test("A client shut down fails with shutdown")
    func shutdown() async throws {
        let client = CurlHTTPClient()
        await client.shutdown()
        let error = await expectOutboundError {
            try await client.send(HTTPRequest(url: "http://127.0.0.1:9/"), logger: testLogger())
        }
        #expect(error?.code == .shutdown)
    }
}
