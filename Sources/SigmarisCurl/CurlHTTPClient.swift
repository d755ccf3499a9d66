import Logging
import NIOPosix

/// Outbound HTTP over libcurl's multi interface, with an async API: every transfer of the service
/// (model calls, JWKS, a remote core; buffered or streamed) runs on this client's one thread.
///
/// The thread, started with the first transfer, drives every transfer at once (see
/// ``StreamingLoop``): no thread is held per transfer, so a slow or silent upstream holds a socket
/// and a little memory per call, never a thread, and other calls are not queued behind it. Callers
/// hand new transfers and cancellations over under a lock and wake the thread. Each transfer's time
/// limit (``HTTPRequest/timeout``, cut to its ``HTTPRequest/deadline``) is counted from the moment
/// the thread starts it, which is at once.
///
/// TLS peer and host verification are always on; redirects, the size cap and timeouts come from
/// the ``CurlHTTPClientConfiguration``.
public final class CurlHTTPClient: Sendable {
    let configuration: CurlHTTPClientConfiguration
    private let mailbox = StreamingMailbox()
    /// The one thread; a pool only so NIO starts, runs and joins it.
    private let thread = NIOThreadPool(numberOfThreads: 1)

    public init(configuration: CurlHTTPClientConfiguration = .init()) {
        self.configuration = configuration
    }

    /// Sends `request` and streams the response.
    ///
    /// Yields `.head` once (when the first body byte or the end arrives), then `.body` chunks as
    /// they arrive, for any status; finishes at the end. Fails with an ``OutboundHTTPError``
    /// (`couldNotConnect`, `timedOut`, `tls`, `transport`, `responseTooLarge`, `shutdown`,
    /// `invalidURL`, `invalidRequest`). `request.timeout` (or the configuration's), cut to what is
    /// left until `request.deadline`, bounds the whole transfer. Ending the iteration (the consuming
    /// task cancelled, or the stream and its iterator dropped) aborts the transfer promptly. Note
    /// that a cancelled consumer's iteration simply ends (that is how `AsyncThrowingStream` reports
    /// it): check `Task.isCancelled` after the loop, or use ``open(_:logger:)``, which throws
    /// `cancelled`.
    ///
    /// One log line per transfer (method, redacted URL, status or error, duration), never header
    /// values or bodies.
    public func stream(_ request: HTTPRequest, logger: Logger) -> AsyncThrowingStream<HTTPStreamPart, any Error> {
        stream(request, attempt: nil, logger: logger)
    }

    /// `attempt` is the number a retried buffered send logs (nil: a stream the caller reads).
    func stream(_ request: HTTPRequest, attempt: Int?, logger: Logger) -> AsyncThrowingStream<HTTPStreamPart, any Error> {
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: HTTPStreamPart.self, throwing: (any Error).self)
        let started = ContinuousClock.now
        guard let url = ParsedURL(request.url) else {
            let error = OutboundHTTPError(code: .invalidURL)
            OutboundHTTPLog.record(request.method, url: nil, attempt: attempt, outcome: .failure(error), duration: .zero, logger: logger)
            continuation.finish(throwing: error)
            return stream
        }
        let start = StreamStart(
            id: mailbox.newID(), request: request, url: url, configuration: configuration, logger: logger,
            attempt: attempt, continuation: continuation, started: started)
        if let invalid = Self.validate(request, url: url) {
            StreamingTransfer.refuse(start, with: invalid)
            return stream
        }
        let mailbox = self.mailbox
        let id = start.id
        continuation.onTermination = { termination in
            if case .cancelled = termination { mailbox.cancel(id) }
        }
        let (thread, configuration) = (self.thread, configuration)
        let admitted = mailbox.submit(start) {
            thread.start()
            thread.submit { state in
                guard case .active = state else {
                    for start in mailbox.close() {
                        StreamingTransfer.refuse(start, with: OutboundHTTPError(code: .shutdown, redactedURL: start.url.redacted))
                    }
                    return
                }
                StreamingLoop.run(mailbox, configuration: configuration)
            }
        }
        if !admitted {
            StreamingTransfer.refuse(start, with: OutboundHTTPError(code: .shutdown, redactedURL: url.redacted))
        }
        return stream
    }

    /// Rejects requests libcurl would send in a dangerous or broken form.
    static func validate(_ request: HTTPRequest, url: ParsedURL) -> OutboundHTTPError? {
        for header in request.headers {
            guard HTTPSyntax.isToken(header.name), HTTPSyntax.isFieldValue(header.value) else {
                return OutboundHTTPError(code: .invalidRequest, redactedURL: url.redacted)
            }
        }
        if request.method == .head, request.body != nil {
            return OutboundHTTPError(code: .invalidRequest, redactedURL: url.redacted)
        }
        return nil
    }

    /// Aborts every running transfer (they fail with `shutdown`), stops the thread and waits for
    /// it; later transfers fail with `shutdown` at once. Idempotent.
    public func shutdown() async {
        if mailbox.stop() {
            try? await thread.shutdownGracefully()
        }
    }

    /// Transfers registered with the multi handle (for tests and diagnostics).
    public var activeTransferCount: Int {
        mailbox.registeredCount
    }
}
