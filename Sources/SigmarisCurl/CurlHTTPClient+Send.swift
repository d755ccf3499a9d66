import Logging

extension CurlHTTPClient {
    /// Sends `request` once (no retries) and buffers the whole response.
    ///
    /// Any status code, including 4xx/5xx, is a successful `HTTPResponse`; errors mean no complete
    /// response was received. The body is the transfer's (so `maxResponseBytes` caps it), collected
    /// as the stream delivers it.
    public func send(_ request: HTTPRequest, logger: Logger) async throws(OutboundHTTPError) -> HTTPResponse {
        try await send(request, attempt: 1, logger: logger)
    }

    func send(_ request: HTTPRequest, attempt: Int, logger: Logger) async throws(OutboundHTTPError) -> HTTPResponse {
        let redactedURL = ParsedURL(request.url)?.redacted
        var stream = try await OpenedHTTPStream(
            opening: stream(request, attempt: attempt, logger: logger).makeAsyncIterator(), redactedURL: redactedURL)
        var body: [UInt8] = []
        if let length = stream.head.headerValue("content-length").flatMap(Int.init), length > 0 {
            // Avoids repeated reallocation, never beyond the cap (a server may announce more than
            // it sends).
            body.reserveCapacity(min(length, configuration.maxResponseBytes))
        }
        while let chunk = try await stream.nextChunk() {
            body.append(contentsOf: chunk)
        }
        return HTTPResponse(status: stream.head.status, headers: stream.head.headers, body: body)
    }
}
