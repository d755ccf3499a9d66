import SigmarisCurl
import SigmarisTestSupport
import Testing

@Suite("Streaming client: chunks as they arrive")
struct StreamingClientTests {
    @Test("Chunks arrive one by one before the response ends")
    func chunksArriveOneByOne() async throws {
        let seen = TestSignal()
        try await StubHTTPServer.with(streaming: { _, _, writer in
            try await writer.head(headers: [("Content-Type", "text/event-stream"), ("X-Stub", "yes")])
            for (index, piece) in ["one", "two", "three"].enumerated() {
                // The next chunk leaves only after the client saw the previous one.
                await seen.wait(forRaises: index)
                try await writer.send(piece)
            }
            await seen.wait(forRaises: 3)
            try await writer.end()
        }) { server in
            try await withStreamingClient { client in
                var head: HTTPStreamHead?
                var pieces: [String] = []
                for try await part in client.stream(HTTPRequest(url: server.baseURL + "/events"), logger: testLogger()) {
                    switch part {
                    case .head(let received):
                        #expect(head == nil)
                        head = received
                    case .body(let bytes):
                        #expect(head != nil, "the head comes before the body")
                        pieces.append(String(decoding: bytes, as: UTF8.self))
                        seen.raise()
                    }
                }
                #expect(head?.status == 200)
                #expect(head?.headerValue("x-stub") == "yes")
                #expect(head?.headerValue("Content-Type") == "text/event-stream")
                #expect(pieces == ["one", "two", "three"])
                #expect(await waitUntil { client.activeTransferCount == 0 })
            }
        }
    }

    @Test("The request's method, headers and body reach the server")
    func sendsRequest() async throws {
        try await StubHTTPServer.with(streaming: { request, _, writer in
            try await writer.head()
            try await writer.send(request.body)
            try await writer.end()
        }) { server in
            try await withStreamingClient { client in
                let request = HTTPRequest(
                    method: .post, url: server.baseURL + "/chat", headers: [("Accept", "text/event-stream")],
                    body: Array(#"{"stream":true}"#.utf8))
                let collected = await collect(client.stream(request, logger: testLogger()))
                #expect(collected.error == nil)
                #expect(collected.text == #"{"stream":true}"#)
                let received = try #require(server.requests.first)
                #expect(received.method == "POST")
                #expect(received.uri == "/chat")
                #expect(received.header("accept") == "text/event-stream")
            }
        }
    }

    @Test("A non-2xx status streams its body like any other")
    func errorStatusWithBody() async throws {
        try await StubHTTPServer.with(streaming: { _, _, writer in
            try await writer.head(status: 503, headers: [("Content-Type", "application/json"), ("Retry-After", "1")])
            try await writer.send(#"{"error":"#)
            try await writer.send(#""busy"}"#)
            try await writer.end()
        }) { server in
            try await withStreamingClient { client in
                let collected = await collect(client.stream(HTTPRequest(url: server.baseURL + "/x"), logger: testLogger()))
                #expect(collected.error == nil)
                #expect(collected.head?.status == 503)
                #expect(collected.head?.headerValue("retry-after") == "1")
                #expect(collected.text == #"{"error":"busy"}"#)
            }
        }
    }

    @Test("An empty body still yields the head, then ends")
    func emptyBody() async throws {
        try await StubHTTPServer.with(streaming: { _, _, writer in
            try await writer.head(status: 204, headers: [])
            try await writer.end()
        }) { server in
            try await withStreamingClient { client in
                let collected = await collect(client.stream(HTTPRequest(url: server.baseURL + "/x"), logger: testLogger()))
                #expect(collected.error == nil)
                #expect(collected.head?.status == 204)
                #expect(collected.chunks.isEmpty)
            }
        }
    }

    @Test("A closed port fails with couldNotConnect")
    func connectRefused() async throws {
        let reserved = try ReservedPort()
        let port = reserved.port
        defer { withExtendedLifetime(reserved) {} }
        try await withStreamingClient { client in
            let collected = await collect(client.stream(HTTPRequest(url: "http://127.0.0.1:\(port)/x"), logger: testLogger()))
            #expect(collected.head == nil)
            #expect(collected.error?.code == .couldNotConnect)
            #expect(collected.error?.redactedURL == "http://127.0.0.1:\(port)/x")
        }
    }

    @Test("The request's timeout bounds the whole stream")
    func timeout() async throws {
        let closed = TestSignal()
        try await StubHTTPServer.with(streaming: { _, _, writer in
            try? await writer.head()
            try? await writer.send("first")
            await writer.waitUntilClosed()
            closed.raise()
        }) { server in
            try await withStreamingClient { client in
                let request = HTTPRequest(url: server.baseURL + "/slow", timeout: .milliseconds(300))
                let collected = await collect(client.stream(request, logger: testLogger()))
                // On a loaded machine the timeout may even come before the first chunk.
                #expect(["", "first"].contains(collected.text))
                #expect(collected.error?.code == .timedOut)
                // The stub never ends the response: only the client can have closed it.
                #expect(await waitUntil { closed.count == 1 })
                #expect(await waitUntil { client.activeTransferCount == 0 })
            }
        }
    }

    @Test("Bad URLs and header values fail before anything is sent", arguments: [
        (HTTPRequest(url: "ftp://example.com/x"), OutboundHTTPError.Code.invalidURL),
        (HTTPRequest(url: "http://127.0.0.1:1/x", headers: [("X-Bad", "a\r\nInjected: 1")]), .invalidRequest),
    ])
    func invalidRequests(request: HTTPRequest, code: OutboundHTTPError.Code) async throws {
        try await withStreamingClient { client in
            let collected = await collect(client.stream(request, logger: testLogger()))
            #expect(collected.error?.code == code)
            #expect(client.activeTransferCount == 0)
        }
    }

    @Test("A body over maxResponseBytes fails with responseTooLarge")
    func responseTooLarge() async throws {
        try await StubHTTPServer.with(streaming: { _, _, writer in
            try await writer.head()
            try await writer.send([UInt8](repeating: 1, count: 8))
            try await writer.send([UInt8](repeating: 2, count: 8))
            try await writer.end()
        }) { server in
            try await withStreamingClient(configuration: .init(maxResponseBytes: 10)) { client in
                let collected = await collect(client.stream(HTTPRequest(url: server.baseURL + "/big"), logger: testLogger()))
                #expect(collected.error?.code == .responseTooLarge)
                #expect(collected.body.count <= 10)
            }
        }
    }

    @Test("One log line per transfer, without header values or query")
    func logsRedacted() async throws {
        let secret = "sk-STREAM-SECRET"
        try await StubHTTPServer.with(streaming: { _, _, writer in
            try await writer.head()
            try await writer.send("ok")
            try await writer.end()
        }) { server in
            try await withStreamingClient { client in
                let capture = LogCapture()
                let request = HTTPRequest(
                    url: server.baseURL + "/v1/chat?key=\(secret)", headers: [("Authorization", "Bearer \(secret)")])
                _ = await collect(client.stream(request, logger: capture.logger))
                #expect(await waitUntil { capture.all.count == 1 })
                let entry = try #require(capture.all.first)
                #expect(entry.metadata["http.status"] == "200")
                #expect(entry.metadata["http.url"] == server.baseURL + "/v1/chat")
                #expect(!entry.rendered.contains(secret))
            }
        }
    }
}
