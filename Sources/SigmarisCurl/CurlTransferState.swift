/// Per-transfer scratch space that libcurl's callbacks write into.
///
/// libcurl hands our callbacks a `void *userdata`; that pointer is an
/// unretained reference to this box. It is safe because the owning
/// ``CurlEasyHandle`` keeps the box alive for its whole lifetime and the
/// callbacks only run inside `curl_easy_perform` on that handle, i.e. on the
/// one thread currently using the handle. Not `Sendable` on purpose.
final class CurlTransferState: CurlResponseSink {
    private(set) var body: [UInt8] = []
    private var headerBlock = ResponseHeaderBlock()
    /// Set when the write callback refused data because of the size cap.
    private(set) var exceededLimit = false
    private var maxBodyBytes = 0
    private var cancellation: CancellationFlag?

    /// Prepares for a new transfer; drops anything left from the last one.
    func begin(maxBodyBytes: Int, cancellation: CancellationFlag) {
        clear()
        self.maxBodyBytes = max(0, maxBodyBytes)
        self.cancellation = cancellation
    }

    /// Forgets all response data, so an idle pooled handle retains nothing
    /// from the request it last served.
    func clear() {
        body = []
        headerBlock = ResponseHeaderBlock()
        exceededLimit = false
        maxBodyBytes = 0
        cancellation = nil
    }

    /// Moves the collected response out, leaving the box empty.
    func takeResponse(status: Int) -> HTTPResponse {
        let response = HTTPResponse(status: status, headers: headerBlock.fields, body: body)
        clear()
        return response
    }

    var isCancelled: Bool {
        cancellation?.isRaised ?? false
    }

    /// Appends a body chunk. Returns `false` (abort the transfer) when the
    /// chunk would take the body past the cap, before copying it.
    func receiveBody(_ chunk: UnsafeRawBufferPointer) -> Bool {
        guard chunk.count <= maxBodyBytes - body.count else {
            exceededLimit = true
            return false
        }
        body.append(contentsOf: chunk)
        return true
    }

    /// Consumes one raw header line as delivered by CURLOPT_HEADERFUNCTION.
    func receiveHeaderLine(_ raw: UnsafeRawBufferPointer) {
        guard let field = headerBlock.consume(raw) else { return }
        if field.name == "content-length", let length = Int(field.value), length > 0 {
            // Avoid repeated reallocation for large bodies, never beyond the cap.
            body.reserveCapacity(min(length, maxBodyBytes))
        }
    }
}

extension String {
    /// Strips spaces, tabs, CR and LF from both ends (no Foundation needed).
    func trimmingHTTPWhitespace() -> String {
        let isWhitespace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" || $0 == "\r\n" }
        guard let start = firstIndex(where: { !isWhitespace($0) }),
            let end = lastIndex(where: { !isWhitespace($0) })
        else { return "" }
        return String(self[start...end])
    }
}
