import CCurl
import Logging

/// One transfer (streamed to its caller, or collected by a buffered send): its easy handle and what
/// libcurl's callbacks need to hand the response to the consumer as it arrives.
///
/// Not `Sendable`: it lives on the client's thread only, inside ``CurlMultiHandle``'s registry,
/// from the moment its handle is added to the multi handle until it is removed. The callbacks'
/// `userdata` is an unretained pointer to it; that is safe because libcurl calls them only inside
/// `curl_multi_perform` on that thread, while the transfer is registered (so alive).
final class StreamingTransfer: CurlResponseSink {
    let id: UInt64
    let easy: CurlEasyHandle
    private let method: HTTPMethod
    private let url: ParsedURL
    private let logger: Logger
    private let attempt: Int?
    private let continuation: AsyncThrowingStream<HTTPStreamPart, any Error>.Continuation
    private let started: ContinuousClock.Instant
    private let maxBodyBytes: Int

    private var headerBlock = ResponseHeaderBlock()
    private var status: Int?
    private var receivedBytes = 0
    /// Set when the write callback refused data because of the size cap.
    private var exceededLimit = false
    /// Set when the write callback found the stream terminated (the consumer went away).
    private var consumerGone = false

    /// Sets the handle up for `start`; the caller adds it to the multi handle.
    init(_ start: StreamStart) throws(OutboundHTTPError) {
        id = start.id
        easy = try CurlEasyHandle()
        method = start.request.method
        url = start.url
        logger = start.logger
        attempt = start.attempt
        continuation = start.continuation
        self.started = start.started
        maxBodyBytes = max(0, start.configuration.maxResponseBytes)
        try easy.applyRequestOptions(start.request, url: start.url, configuration: start.configuration)
        try easy.installCallbacks(sink: self, redactedURL: start.url.redacted)
    }

    /// A start that never became a transfer (its setup failed, or the client shut down).
    static func refuse(_ start: StreamStart, with error: OutboundHTTPError) {
        start.continuation.finish(throwing: error)
        OutboundHTTPLog.record(
            start.request.method, url: start.url, attempt: start.attempt, outcome: .failure(error),
            duration: .now - start.started, logger: start.logger)
    }

    var redactedURL: String { url.redacted }

    // MARK: - Callbacks (inside curl_multi_perform)

    func receiveHeaderLine(_ line: UnsafeRawBufferPointer) {
        headerBlock.consume(line)
    }

    /// Hands a body chunk over. False aborts the transfer: over the size cap, or nobody listens.
    func receiveBody(_ chunk: UnsafeRawBufferPointer) -> Bool {
        sendHeadOnce()
        guard chunk.count <= maxBodyBytes - receivedBytes else {
            exceededLimit = true
            return false
        }
        receivedBytes += chunk.count
        if case .terminated = continuation.yield(.body(Array(chunk))) {
            consumerGone = true
            return false
        }
        return true
    }

    // MARK: - The end (after the handle left the multi handle)

    /// libcurl finished the transfer with `code`.
    func complete(_ code: CURLcode) {
        guard code == CURLE_OK else {
            fail(.fromPerform(code, responseTooLarge: exceededLimit, cancelled: consumerGone, redactedURL: url.redacted))
            return
        }
        let status = sendHeadOnce()
        continuation.finish()
        OutboundHTTPLog.record(method, url: url, attempt: attempt, outcome: .success(status), duration: .now - started, logger: logger)
    }

    /// Ends the stream with `error` (cancelled by the consumer, or the client shutting down).
    func fail(_ error: OutboundHTTPError) {
        continuation.finish(throwing: error)
        OutboundHTTPLog.record(method, url: url, attempt: attempt, outcome: .failure(error), duration: .now - started, logger: logger)
    }

    /// Yields the head the first time a body byte or the end arrives; returns the status.
    @discardableResult
    private func sendHeadOnce() -> Int {
        if let status { return status }
        var code = 0
        _ = sigmaris_curl_easy_getinfo_long(easy.raw, CURLINFO_RESPONSE_CODE, &code)
        status = code
        continuation.yield(.head(HTTPStreamHead(status: code, headers: headerBlock.fields)))
        return code
    }
}
