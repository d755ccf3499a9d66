import Logging

/// A streamed response whose head has arrived, read chunk by chunk with typed errors.
///
/// Dropping it before the end aborts the transfer (it holds the stream's only iterator).
public struct OpenedHTTPStream {
    public let head: HTTPStreamHead
    private var parts: AsyncThrowingStream<HTTPStreamPart, any Error>.AsyncIterator
    private let redactedURL: String?

    /// The next body chunk; nil at the end of the response.
    ///
    /// - Throws: the transfer's ``OutboundHTTPError``, or `cancelled` when the calling task was
    ///   cancelled (the transfer is aborted then).
    public mutating func nextChunk() async throws(OutboundHTTPError) -> [UInt8]? {
        while true {
            switch try await Self.next(&parts, redactedURL: redactedURL) {
            case .body(let bytes)?: return bytes
            case .head?: continue  // only ever first, and consumed by `open`
            case nil: return nil
            }
        }
    }

    /// The rest of the body, at most `limit` bytes: reading stops (and the transfer is aborted
    /// when the stream is dropped) once that many arrived. For error answers read whole.
    public mutating func collectBody(upTo limit: Int) async throws(OutboundHTTPError) -> [UInt8] {
        var body: [UInt8] = []
        while body.count < limit, let chunk = try await nextChunk() {
            body.append(contentsOf: chunk.prefix(limit - body.count))
        }
        return body
    }

    init(
        opening parts: AsyncThrowingStream<HTTPStreamPart, any Error>.AsyncIterator,
        redactedURL: String?
    ) async throws(OutboundHTTPError) {
        var parts = parts
        guard case .head(let head)? = try await Self.next(&parts, redactedURL: redactedURL) else {
            // The client always yields the head before anything else and before the end.
            throw OutboundHTTPError(code: .transport, redactedURL: redactedURL)
        }
        self.head = head
        self.parts = parts
        self.redactedURL = redactedURL
    }

    private static func next(
        _ parts: inout AsyncThrowingStream<HTTPStreamPart, any Error>.AsyncIterator,
        redactedURL: String?
    ) async throws(OutboundHTTPError) -> HTTPStreamPart? {
        let part: HTTPStreamPart?
        do {
            part = try await parts.next()
        } catch let error as OutboundHTTPError {
            throw error
        } catch {
            throw OutboundHTTPError(code: .transport, redactedURL: redactedURL)
        }
        // A cancelled consumer's stream just ends: tell that apart from a complete response.
        if part == nil, Task.isCancelled {
            throw OutboundHTTPError(code: .cancelled, redactedURL: redactedURL)
        }
        return part
    }
}

extension CurlHTTPClient {
    /// Sends `request` and waits for the head of the response (any status).
    ///
    /// - Throws: as ``stream(_:logger:)`` fails, and `cancelled` when the calling task is.
    public func open(_ request: HTTPRequest, logger: Logger) async throws(OutboundHTTPError) -> OpenedHTTPStream {
        try await OpenedHTTPStream(
            opening: stream(request, logger: logger).makeAsyncIterator(),
            redactedURL: ParsedURL(request.url)?.redacted)
    }
}
