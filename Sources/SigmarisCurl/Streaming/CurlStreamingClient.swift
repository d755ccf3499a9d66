import Logging
import NIOPosix

/// Streaming outbound HTTP over libcurl's multi interface: the response is handed over as it
/// arrives (an LLM's server-sent events), instead of buffered whole like ``CurlHTTPClient`` does.
///
/// One dedicated thread, started with the first stream, drives every transfer (see
/// ``StreamingLoop``); no thread is held per transfer, so hundreds of concurrent streams are
/// fine. Callers hand new transfers and cancellations over under a lock and wake the thread.
/// TLS verification, timeouts, size cap, redirects and header validation are the same as the
/// blocking client's (both set their easy handles up through `CurlEasyHandle`).
public final class CurlStreamingClient: Sendable {
    private let configuration: CurlHTTPClientConfiguration
    private let mailbox = StreamingMailbox()
    /// The one thread; a pool only so NIO starts, runs and joins it.
    private let thread = NIOThreadPool(numberOfThreads: 1)

    /// `maxResponseBytes` caps the total body of each stream; `maxIdleHandles` is unused (the
    /// multi handle keeps its own connection cache).
    public init(configuration: CurlHTTPClientConfiguration = .init()) {
        self.configuration = configuration
    }

    /// Sends `request` and streams the response.
    ///
    /// Yields `.head` once (when the first body byte or the end arrives), then `.body` chunks as
    /// they arrive, for any status; finishes at the end. Fails with an ``OutboundHTTPError``
    /// (`couldNotConnect`, `timedOut`, `tls`, `transport`, `responseTooLarge`, `shutdown`,
    /// `invalidURL`, `invalidRequest`). `request.timeout` (or the configuration's) bounds the whole
    /// transfer. Ending the iteration (the consuming task cancelled, or the stream and its
    /// iterator dropped) aborts the transfer promptly. Note that a cancelled consumer's iteration
    /// simply ends (that is how `AsyncThrowingStream` reports it): check `Task.isCancelled` after
    /// the loop, or use ``open(_:logger:)``, which throws `cancelled`.
    ///
    /// One log line per transfer (method, redacted URL, status or error, duration), never header
    /// values or bodies.
    public func stream(_ request: HTTPRequest, logger: Logger) -> AsyncThrowingStream<HTTPStreamPart, any Error> {
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: HTTPStreamPart.self, throwing: (any Error).self)
        let started = ContinuousClock.now
        guard let url = ParsedURL(request.url) else {
            let error = OutboundHTTPError(code: .invalidURL)
            OutboundHTTPLog.record(request.method, url: nil, attempt: nil, outcome: .failure(error), duration: .zero, logger: logger)
            continuation.finish(throwing: error)
            return stream
        }
        let start = StreamStart(
            id: mailbox.newID(), request: request, url: url, configuration: configuration, logger: logger,
            continuation: continuation, started: started)
        if let invalid = CurlHTTPClient.validate(request, url: url) {
            StreamingTransfer.refuse(start, with: invalid)
            return stream
        }
        let mailbox = self.mailbox
        let id = start.id
        continuation.onTermination = { termination in
            if case .cancelled = termination { mailbox.cancel(id) }
        }
        let thread = self.thread
        let admitted = mailbox.submit(start) {
            thread.start()
            thread.submit { state in
                guard case .active = state else {
                    for start in mailbox.close() {
                        StreamingTransfer.refuse(start, with: OutboundHTTPError(code: .shutdown, redactedURL: start.url.redacted))
                    }
                    return
                }
                StreamingLoop.run(mailbox)
            }
        }
        if !admitted {
            StreamingTransfer.refuse(start, with: OutboundHTTPError(code: .shutdown, redactedURL: url.redacted))
        }
        return stream
    }

    /// Aborts every running transfer (their streams fail with `shutdown`), stops the thread and
    /// waits for it; later streams fail with `shutdown` at once. Idempotent.
    public func shutdown() async {
        if mailbox.stop() {
            try? await thread.shutdownGracefully()
        }
    }

    /// Transfers still registered with the multi handle (for tests and diagnostics).
    public var activeTransferCount: Int {
        mailbox.registeredCount
    }
}
