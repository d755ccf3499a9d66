/// The header fields of the final response, built from the raw lines libcurl hands
/// CURLOPT_HEADERFUNCTION (status lines and the terminating blank line included).
struct ResponseHeaderBlock {
    /// Names lowercased, values trimmed, in received order.
    private(set) var fields: [(name: String, value: String)] = []

    /// Consumes one line; returns the field it added, if it added one.
    @discardableResult
    mutating func consume(_ raw: UnsafeRawBufferPointer) -> (name: String, value: String)? {
        let line = String(decoding: raw, as: UTF8.self)
        if line.hasPrefix("HTTP/") {
            // A new status line starts a new header block: interim 1xx
            // responses (and redirects, when followed) must not leak their
            // headers into the final response.
            fields = []
            return nil
        }
        let trimmed = line.trimmingHTTPWhitespace()
        guard !trimmed.isEmpty else { return nil }
        if let first = line.utf8.first, first == UInt8(ascii: " ") || first == UInt8(ascii: "\t") {
            // Obsolete line folding: a continuation of the previous value.
            if let last = fields.indices.last {
                fields[last].value += " " + trimmed
            }
            return nil
        }
        guard let colon = trimmed.firstIndex(of: ":") else { return nil }
        let name = String(trimmed[..<colon]).trimmingHTTPWhitespace().lowercased()
        let value = String(trimmed[trimmed.index(after: colon)...]).trimmingHTTPWhitespace()
        fields.append((name: name, value: value))
        return (name, value)
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
