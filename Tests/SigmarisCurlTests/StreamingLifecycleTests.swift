import SigmarisCurl
import SigmarisTestSupport
import Testing

@Suite("Streaming client: cancellation, concurrency, shutdown")
struct StreamingLifecycleTests {
    /// A response that sends one chunk (then raises `sent`), then stays open until the client leaves.
    static func openEnded(sent: TestSignal = TestSignal()) -> StubHTTPServer.StreamScript {
        { _, _, writer in
            try await writer.head()
            try await writer.send("first")
            sent.raise()
            await writer.waitUntilClosed()
        }
    }

    @Test("Cancelling the consuming task aborts the transfer and closes the connection")
    func cancelConsumer() async throws {
        try await StubHTTPServer.with(streaming: Self.openEnded()) { server in
            try await withStreamingClient { client in
                let gotFirst = TestSignal()
                let consumer = Task { () -> (chunks: Int, error: OutboundHTTPError?) in
                    var chunks = 0
                    do {
                        for try await part in client.stream(HTTPRequest(url: server.baseURL + "/s"), logger: testLogger()) {
                            if case .body = part {
                                chunks += 1
                                gotFirst.raise()
                            }
                        }
                        return (chunks, nil)
                    } catch {
                        return (chunks, error as? OutboundHTTPError)
                    }
                }
                await gotFirst.wait()
                #expect(client.activeTransferCount == 1)
                consumer.cancel()
                // A cancelled consumer's iteration ends, or (when the thread's abort wins the race)
                // fails with cancelled; never with anything else.
                let outcome = await consumer.value
                #expect(outcome.chunks == 1)
                #expect(outcome.error == nil || outcome.error?.code == .cancelled)
                #expect(await server.waitForAbandonedResponses(1))
                #expect(await waitUntil { client.activeTransferCount == 0 })
            }
        }
    }

    @Test("Dropping the stream mid-response aborts the transfer")
    func dropStream() async throws {
        try await StubHTTPServer.with(streaming: Self.openEnded()) { server in
            try await withStreamingClient { client in
                do {
                    var parts = client.stream(HTTPRequest(url: server.baseURL + "/s"), logger: testLogger()).makeAsyncIterator()
                    guard case .head? = try await parts.next(), case .body(let bytes)? = try await parts.next() else {
                        Issue.record("expected the head, then a chunk")
                        return
                    }
                    #expect(bytes == Array("first".utf8))
                }  // the iterator (and with it the stream) is gone here
                #expect(await server.waitForAbandonedResponses(1))
                #expect(await waitUntil { client.activeTransferCount == 0 })
            }
        }
    }

    @Test("open() throws cancelled when the calling task is cancelled mid-body")
    func openCancelled() async throws {
        let sent = TestSignal()
        try await StubHTTPServer.with(streaming: Self.openEnded(sent: sent)) { server in
            try await withStreamingClient { client in
                let reading = Task { () -> OutboundHTTPError? in
                    do {
                        var opened = try await client.open(HTTPRequest(url: server.baseURL + "/s"), logger: testLogger())
                        #expect(opened.head.status == 200)
                        while try await opened.nextChunk() != nil {}
                        return nil
                    } catch {
                        return error as? OutboundHTTPError
                    }
                }
                await sent.wait()
                reading.cancel()
                #expect(await reading.value?.code == .cancelled)
                #expect(await server.waitForAbandonedResponses(1))
                #expect(await waitUntil { client.activeTransferCount == 0 })
            }
        }
    }

    @Test("200 concurrent streams share the one thread")
    func manyConcurrentStreams() async throws {
        let count = 200
        let allStarted = TestSignal()
        try await StubHTTPServer.with(streaming: { request, _, writer in
            try await writer.head()
            try await writer.send("start " + request.uri + ";")
            allStarted.raise()
            // Every stream stays open until all of them have started: they really run at once.
            await allStarted.wait(forRaises: count)
            try await writer.send("end")
            try await writer.end()
        }) { server in
            try await withStreamingClient { client in
                let texts = await withTaskGroup(of: (Int, CollectedStream).self) { group in
                    for index in 0..<count {
                        group.addTask {
                            (index, await collect(client.stream(HTTPRequest(url: server.baseURL + "/n/\(index)"), logger: testLogger())))
                        }
                    }
                    var texts: [Int: String] = [:]
                    for await (index, collected) in group {
                        #expect(collected.error == nil)
                        texts[index] = collected.text
                    }
                    return texts
                }
                #expect(texts.count == count)
                for index in 0..<count {
                    #expect(texts[index] == "start /n/\(index);end")
                }
                #expect(await waitUntil { client.activeTransferCount == 0 })
            }
        }
    }

    @Test("shutdown() aborts running streams with shutdown and refuses new ones")
    func shutdownWithStreamsRunning() async throws {
        let sent = TestSignal()
        try await StubHTTPServer.with(streaming: Self.openEnded(sent: sent)) { server in
            let client = CurlHTTPClient()
            let streams = (0..<3).map { index in
                Task { await collect(client.stream(HTTPRequest(url: server.baseURL + "/s/\(index)"), logger: testLogger())) }
            }
            await sent.wait(forRaises: 3)
            #expect(client.activeTransferCount == 3)
            await client.shutdown()
            for stream in streams {
                let collected = await stream.value
                #expect(collected.error?.code == .shutdown)
            }
            #expect(client.activeTransferCount == 0)
            #expect(await server.waitForAbandonedResponses(3))
            let after = await collect(client.stream(HTTPRequest(url: server.baseURL + "/late"), logger: testLogger()))
            #expect(after.error?.code == .shutdown)
            await client.shutdown()  // idempotent
        }
    }

    @Test("A client that never streamed shuts down without a thread")
    func shutdownUnused() async {
        let client = CurlHTTPClient()
        await client.shutdown()
        let after = await collect(client.stream(HTTPRequest(url: "http://127.0.0.1:1/x"), logger: testLogger()))
        #expect(after.error?.code == .shutdown)
    }
}
