import SigmarisTestSupport
import SigmarisCurl
import Testing

/// Many callers share the client's one thread, and connections are reused.
@Suite("Concurrency and reuse")
struct ConcurrencyTests {
    @Test("20 concurrent requests on the one thread all succeed")
    func twentyConcurrent() async throws {
        try await StubHTTPServer.with({ request, _ in
            StubResponse(status: 200, body: Array(request.uri.utf8))
        }) { server in
            try await withCurlClient() { client in
                let bodies = try await withThrowingTaskGroup(of: (Int, [UInt8]).self) { group in
                    for index in 0..<20 {
                        group.addTask {
                            let response = try await client.send(
                                HTTPRequest(url: server.baseURL + "/n/\(index)"),
                                logger: testLogger()
                            )
                            #expect(response.status == 200)
                            return (index, response.body)
                        }
                    }
                    var bodies: [Int: [UInt8]] = [:]
                    for try await (index, body) in group {
                        bodies[index] = body
                    }
                    return bodies
                }
                #expect(bodies.count == 20)
                for index in 0..<20 {
                    #expect(bodies[index] == Array("/n/\(index)".utf8), "each caller gets its own response")
                }
                #expect(server.requests.count == 20)
                #expect(await waitUntil { client.activeTransferCount == 0 })
            }
        }
    }

    @Test("Sequential requests reuse one keep-alive connection")
    func connectionReuse() async throws {
        try await StubHTTPServer.with({ _, _ in StubResponse(status: 200, body: [1]) }) { server in
            try await withCurlClient() { client in
                for _ in 0..<5 {
                    let response = try await client.send(HTTPRequest(url: server.baseURL + "/k"), logger: testLogger())
                    #expect(response.status == 200)
                }
                #expect(server.requests.count == 5)
                #expect(server.connectionCount == 1)
            }
        }
    }

    @Test("A reused connection carries no state over from the previous request")
    func noStateLeaksBetweenRequests() async throws {
        try await StubHTTPServer.with({ request, _ in
            StubResponse(status: 200, headers: [("X-Path", request.uri)], body: Array(request.uri.utf8))
        }) { server in
            try await withCurlClient() { client in
                _ = try await client.send(
                    HTTPRequest(method: .post, url: server.baseURL + "/first", headers: [("X-Only-First", "1")], body: [9, 9]),
                    logger: testLogger()
                )
                let second = try await client.send(HTTPRequest(url: server.baseURL + "/second"), logger: testLogger())
                #expect(second.body == Array("/second".utf8))
                #expect(second.headers.filter { $0.name == "x-path" }.count == 1)
                let received = try #require(server.requests.last)
                #expect(received.method == "GET")
                #expect(received.header("x-only-first") == nil)
                #expect(received.body.isEmpty)
            }
        }
    }
}
