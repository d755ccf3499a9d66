/// Per-transfer scratch space that libcurl's callbacks write into.
///
/// libcurl hands our callbacks a `void *userdata`; that pointer is an
/// unretained reference to this box. It is safe because the owning
/// ``CurlEasyHandle`` keeps the box alive for its whole lifetime and the
/// callbacks only run inside `curl_easy_perform` on that handle, i.e. on the
/// one thread currently using the handle. Not `Sendable` on purpose.
final class CurlTransferState {
    private(set) var body: [UInt8] = []
    private(set) var headers: [(name: String, value: String)] = []
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
        headers = []
        exceededLimit = false
        maxBodyBytes = 0
        cancellation = nil
    }

    /// Moves the collected response out, leaving the box empty.
    func takeResponse(status: Int) -> HTTPResponse {
        let response = HTTPResponse(status: status, headers: headers, body: body)
        clear()
        return response
    }

    var isCancelled: Bool {
        cancellation?.isRaised ?? false
    }

    /// Appends a body chunk. Returns `false` (abort the transfer) when the
    /// chunk would take the body past the cap, before copying it.
    func appendBody(_ chunk: UnsafeRawBufferPointer) -> Bool {
        guard chunk.count <= maxBodyBytes - body.count else {
            exceededLimit = true
            return false
        }
        body.append(contentsOf: chunk)
        return true
    }

    /// Consumes one raw header line as delivered by CURLOPT_HEADERFUNCTION
    /// (status lines and the terminating blank line included).
    func appendHeaderLine(_ raw: UnsafeRawBufferPointer) {
        let line = String(decoding: raw, as: UTF8.self)
        if line.hasPrefix("HTTP/") {
            // A new status line starts a new header block: interim 1xx
            // responses (and redirects, when followed) must not leak their
            // headers into the final response.
            headers = []
            return
        }
        let trimmed = line.trimmingHTTPWhitespace()
        guard !trimmed.isEmpty else { return }
        if let first = line.utf8.first, first == UInt8(ascii: " ") || first == UInt8(ascii: "\t") {
            // Obsolete line folding: a continuation of the previous value.
            if let last = headers.indices.last {
                headers[last].value += " " + trimmed
            }
            return
        }
        guard let colon = trimmed.firstIndex(of: ":") else { return }
        let name = String(trimmed[..<colon]).trimmingHTTPWhitespace().lowercased()
        let value = String(trimmed[trimmed.index(after: colon)...]).trimmingHTTPWhitespace()
        headers.append((name: name, value: value))
        if name == "content-length", let length = Int(value), length > 0 {
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
