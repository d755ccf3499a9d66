import CCurl

/// A request URL as libcurl's own parser (`curl_url`) understands it.
///
/// Validation and redaction use the same parser that performs the transfer,
/// so there is no parser differential: what we validate is what gets sent.
/// Only the parts that are safe to log are kept; query, fragment and
/// userinfo are never read out of libcurl at all.
struct ParsedURL: Sendable {
    let scheme: String
    let host: String
    let port: String?
    let path: String

    /// `scheme://host[:port]/path` — never query, fragment or credentials.
    var redacted: String {
        var text = "\(scheme)://\(host)"
        if let port { text += ":\(port)" }
        // Paths are usually short; a very long one is more likely to carry
        // an identifier we should not spread into logs.
        text += path.count > 200 ? String(path.prefix(200)) + "…" : path
        return text
    }

    /// Parses `string`; `nil` unless it is an absolute http(s) URL with a host.
    init?(_ string: String) {
        guard let handle = curl_url() else { return nil }
        defer { curl_url_cleanup(handle) }
        // Flags 0: no default scheme, so "example.com/x" is rejected rather
        // than silently guessed as http.
        guard curl_url_set(handle, CURLUPART_URL, string, 0) == CURLUE_OK else { return nil }
        guard
            let scheme = Self.part(handle, CURLUPART_SCHEME)?.lowercased(),
            scheme == "http" || scheme == "https",
            let host = Self.part(handle, CURLUPART_HOST), !host.isEmpty
        else { return nil }
        self.scheme = scheme
        self.host = host
        self.port = Self.part(handle, CURLUPART_PORT)
        self.path = Self.part(handle, CURLUPART_PATH) ?? "/"
    }

    /// Copies one component out of libcurl and frees libcurl's copy.
    private static func part(_ handle: OpaquePointer, _ what: CURLUPart) -> String? {
        var out: UnsafeMutablePointer<CChar>?
        guard curl_url_get(handle, what, &out, 0) == CURLUE_OK, let out else { return nil }
        defer { curl_free(out) }
        return String(cString: out)
    }
}
