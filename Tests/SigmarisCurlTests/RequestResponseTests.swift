import SigmarisTestSupport
import SigmarisCurl
import Testing

/// Requests reach a real server intact, and responses come back intact.
@Suite("Requests and responses")
struct RequestResponseTests {
    @Test("GET sends method, path, query and headers; returns status, headers and body")
    func get() async throws {
        try await StubHTTPServer.with({ _, _ in
            StubResponse(status: 200, headers: [("X-Stub", "yes")], body: Array("hello".utf8))
        }) { server in
            try await withCurlClient { client in
                let response = try await client.send(
                    HTTPRequest(url: server.baseURL + "/items/7?page=2", headers: [("X-Trace", "abc123")]),
                    logger: testLogger()
                )
                #expect(response.status == 200)
                #expect(response.body == Array("hello".utf8))
                #expect(response.headerValue("X-Stub") == "yes")
                #expect(response.headers.contains { $0.name == "x-stub" }, "names are lowercased")

                let received = try #require(server.requests.first)
                #expect(received.method == "GET")
                #expect(received.uri == "/items/7?page=2")
                #expect(received.header("x-trace") == "abc123")
                #expect(received.header("user-agent") == "sigmaris")
                #expect(received.body.isEmpty)
            }
        }
    }

    @Test("POST sends the body byte-for-byte with its headers")
    func post() async throws {
        // Includes NUL and high bytes: the body must not be treated as a C string.
        let payload: [UInt8] = Array(#"{"name":"sigmaris"}"#.utf8) + [0, 255, 10, 13]
        try await StubHTTPServer.with({ request, _ in
            StubResponse(status: 201, body: request.body)
        }) { server in
            try await withCurlClient { client in
                let response = try await client.send(
                    HTTPRequest(
                        method: .post,
                        url: server.baseURL + "/things",
                        headers: [("Content-Type", "application/json"), ("X-Request-Id", "r-1")],
                        body: payload
                    ),
                    logger: testLogger()
                )
                #expect(response.status == 201)
                #expect(response.body == payload)

                let received = try #require(server.requests.first)
                #expect(received.method == "POST")
                #expect(received.body == payload)
                #expect(received.header("content-type") == "application/json")
                #expect(received.header("x-request-id") == "r-1")
                #expect(received.header("content-length") == "\(payload.count)")
                #expect(received.header("expect") == nil, "100-continue is disabled")
            }
        }
    }

    @Test("POST without a body and without Content-Type sends no form content type")
    func postWithoutBody() async throws {
        try await StubHTTPServer.with({ _, _ in StubResponse(status: 200) }) { server in
            try await withCurlClient { client in
                _ = try await client.send(HTTPRequest(method: .post, url: server.baseURL + "/"), logger: testLogger())
                let received = try #require(server.requests.first)
                #expect(received.method == "POST")
                #expect(received.body.isEmpty)
                #expect(received.header("content-length") == "0")
            }
        }
    }

    @Test("Other methods are sent as-is, with or without a body", arguments: [
        (HTTPMethod.put, Optional<[UInt8]>([1, 2, 3])),
        (HTTPMethod.patch, [4, 5]),
        (HTTPMethod.delete, nil),
        (HTTPMethod(rawValue: "PURGE")!, nil),
    ])
    func otherMethods(method: HTTPMethod, body: [UInt8]?) async throws {
        try await StubHTTPServer.with({ _, _ in StubResponse(status: 200) }) { server in
            try await withCurlClient { client in
                _ = try await client.send(
                    HTTPRequest(method: method, url: server.baseURL + "/r", body: body),
                    logger: testLogger()
                )
                let received = try #require(server.requests.first)
                #expect(received.method == method.rawValue)
                #expect(received.body == (body ?? []))
            }
        }
    }

    @Test("HEAD returns status and headers without waiting for a body")
    func head() async throws {
        try await StubHTTPServer.with({ _, _ in
            StubResponse(status: 200, headers: [("X-Size", "5")], body: Array("hello".utf8))
        }) { server in
            try await withCurlClient { client in
                let response = try await client.send(HTTPRequest(method: .head, url: server.baseURL + "/"), logger: testLogger())
                #expect(response.status == 200)
                #expect(response.body.isEmpty)
                #expect(response.headerValue("x-size") == "5")
                #expect(server.requests.first?.method == "HEAD")
            }
        }
    }

    @Test("An empty header value is sent, not dropped")
    func emptyHeaderValue() async throws {
        try await StubHTTPServer.with({ _, _ in StubResponse(status: 200) }) { server in
            try await withCurlClient { client in
                _ = try await client.send(HTTPRequest(url: server.baseURL + "/", headers: [("X-Empty", "")]), logger: testLogger())
                #expect(server.requests.first?.header("x-empty") == "")
            }
        }
    }

    @Test("Status codes are passed through, not turned into errors", arguments: [200, 201, 204, 301, 400, 404, 429, 500, 503])
    func statusPassthrough(status: Int) async throws {
        try await StubHTTPServer.with({ _, _ in
            StubResponse(status: status, headers: status == 301 ? [("Location", "/elsewhere")] : [])
        }) { server in
            try await withCurlClient { client in
                let response = try await client.send(HTTPRequest(url: server.baseURL + "/s"), logger: testLogger())
                #expect(response.status == status)
                #expect(server.requests.count == 1, "redirects are not followed by default")
            }
        }
    }

    @Test("A 1 MB response arrives complete")
    func largeResponse() async throws {
        let payload = [UInt8].pattern(count: 1024 * 1024)
        try await StubHTTPServer.with({ _, _ in StubResponse(status: 200, body: payload) }) { server in
            try await withCurlClient { client in
                let response = try await client.send(HTTPRequest(url: server.baseURL + "/big"), logger: testLogger())
                #expect(response.status == 200)
                #expect(response.body.count == payload.count)
                #expect(response.body == payload)
            }
        }
    }
}
