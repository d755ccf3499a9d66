import CCurl

/// Owns one libcurl easy handle (`CURL *`) for one transfer of ``CurlHTTPClient``.
///
/// Not `Sendable`: libcurl forbids using an easy handle from two threads at once. It is created,
/// set up, driven (inside the multi handle) and freed on the client's one thread (see
/// `StreamingTransfer`). Connections outlive it: they live in the multi handle's connection cache.
final class CurlEasyHandle {
    /// The `CURL *`, added to the client's multi handle (see `CurlMultiHandle`).
    let raw: UnsafeMutableRawPointer
    /// The CURLOPT_HTTPHEADER list; libcurl only borrows it, so it must live
    /// until the transfer is over. Freed only by ``releaseHeaderList()``.
    private var headerList: UnsafeMutablePointer<curl_slist>?

    init() throws(OutboundHTTPError) {
        try CurlGlobal.ensureInitialized()
        guard let raw = curl_easy_init() else {
            throw OutboundHTTPError(code: .transport)
        }
        self.raw = raw
    }

    deinit {
        curl_easy_cleanup(raw)
        releaseHeaderList()
    }

    // MARK: - Options

    /// Everything a request asks for except the callbacks: URL, protocols, timeouts (the total one
    /// is `request.timeout`, cut to what is left until `request.deadline`), TLS verification,
    /// redirects, size cap, method, body and headers.
    ///
    /// - Throws: `timedOut` when the request's deadline has already passed (nothing is sent).
    func applyRequestOptions(
        _ request: HTTPRequest,
        url: ParsedURL,
        configuration: CurlHTTPClientConfiguration,
        now: ContinuousClock.Instant = .now
    ) throws(OutboundHTTPError) {
        let redacted = url.redacted
        var timeout = request.timeout ?? configuration.requestTimeout
        if let deadline = request.deadline {
            guard deadline > now else { throw OutboundHTTPError(code: .timedOut, redactedURL: redacted) }
            timeout = min(timeout, deadline - now)
        }
        func check(_ code: CURLcode) throws(OutboundHTTPError) {
            guard code == CURLE_OK else {
                throw OutboundHTTPError(code: .transport, curlCode: Int(code.rawValue), redactedURL: redacted)
            }
        }
        func setLong(_ option: CURLoption, _ value: Int) throws(OutboundHTTPError) {
            try check(sigmaris_curl_easy_setopt_long(raw, option, value))
        }
        func setString(_ option: CURLoption, _ value: String) throws(OutboundHTTPError) {
            try check(sigmaris_curl_easy_setopt_string(raw, option, value))
        }

        try setString(CURLOPT_URL, request.url)
        // Without NOSIGNAL libcurl uses SIGALRM for DNS timeouts, which is
        // process-wide and crashes multithreaded programs.
        try setLong(CURLOPT_NOSIGNAL, 1)
        // Belt and braces next to ParsedURL's scheme check: libcurl itself
        // refuses anything but http(s). (CURLOPT_PROTOCOLS_STR: libcurl >= 7.85.)
        try setString(CURLOPT_PROTOCOLS_STR, "http,https")
        try setLong(CURLOPT_CONNECTTIMEOUT_MS, configuration.connectTimeout.curlMilliseconds)
        try setLong(CURLOPT_TIMEOUT_MS, timeout.curlMilliseconds)
        try setLong(CURLOPT_SSL_VERIFYPEER, 1)
        try setLong(CURLOPT_SSL_VERIFYHOST, 2)
        if let caBundlePath = configuration.caBundlePath {
            try setString(CURLOPT_CAINFO, caBundlePath)
        }
        if configuration.followRedirects {
            try setLong(CURLOPT_FOLLOWLOCATION, 1)
            try setLong(CURLOPT_MAXREDIRS, configuration.maxRedirects)
            // Never let a redirect downgrade https to plain http.
            try setString(CURLOPT_REDIR_PROTOCOLS_STR, url.scheme == "https" ? "https" : "http,https")
        } else {
            try setLong(CURLOPT_FOLLOWLOCATION, 0)
        }
        if let userAgent = configuration.userAgent {
            try setString(CURLOPT_USERAGENT, userAgent)
        }
        // Lets libcurl refuse early when Content-Length already exceeds the cap.
        // (0 would mean "unlimited" to libcurl; the write callback still
        // enforces the cap exactly, so clamping negatives to 0 is safe.)
        try check(sigmaris_curl_easy_setopt_off_t(raw, CURLOPT_MAXFILESIZE_LARGE, curl_off_t(max(0, configuration.maxResponseBytes))))

        try configureMethodAndBody(request, check: check, setLong: setLong, setString: setString)
        try configureHeaders(request, check: check)
    }

    private func configureMethodAndBody(
        _ request: HTTPRequest,
        check: (CURLcode) throws(OutboundHTTPError) -> Void,
        setLong: (CURLoption, Int) throws(OutboundHTTPError) -> Void,
        setString: (CURLoption, String) throws(OutboundHTTPError) -> Void
    ) throws(OutboundHTTPError) {
        let method = request.method
        if method == .head {
            try setLong(CURLOPT_NOBODY, 1)
        } else if let body = request.body ?? (method == .post ? [] : nil) {
            // COPYPOSTFIELDS makes libcurl own a copy, so the Swift array's
            // storage need not outlive this call.
            let code = body.withUnsafeBytes { bytes in
                sigmaris_curl_easy_set_body(raw, bytes.baseAddress, curl_off_t(bytes.count))
            }
            try check(code)
        } else {
            try setLong(CURLOPT_HTTPGET, 1)
        }
        // Everything but the three methods libcurl selects natively is sent
        // as a custom request line (the method was validated as a token).
        if method != .get, method != .head, method != .post {
            try setString(CURLOPT_CUSTOMREQUEST, method.rawValue)
        }
    }

    private func configureHeaders(
        _ request: HTTPRequest,
        check: (CURLcode) throws(OutboundHTTPError) -> Void
    ) throws(OutboundHTTPError) {
        releaseHeaderList()
        var lines: [String] = []
        for header in request.headers {
            // "Name:" would tell libcurl to *remove* the header; "Name;" is
            // libcurl's spelling for "send it with an empty value".
            lines.append(header.value.isEmpty ? "\(header.name);" : "\(header.name): \(header.value)")
        }
        let names = Set(request.headers.map { $0.name.lowercased() })
        // libcurl would otherwise add "Expect: 100-continue" to large bodies
        // and stall up to a second on servers that never send 100.
        if !names.contains("expect") {
            lines.append("Expect:")
        }
        // With a body libcurl defaults to application/x-www-form-urlencoded;
        // sending no type is more honest than a wrong one.
        if request.body != nil, !names.contains("content-type") {
            lines.append("Content-Type:")
        }
        for line in lines {
            guard let appended = curl_slist_append(headerList, line) else {
                throw OutboundHTTPError(code: .transport)
            }
            headerList = appended
        }
        try check(sigmaris_curl_easy_setopt_pointer(raw, CURLOPT_HTTPHEADER, headerList))
    }

    /// Points libcurl's body and header callbacks at `sink`, unretained: the caller keeps it alive
    /// for as long as libcurl may call them.
    func installCallbacks(sink: some CurlResponseSink, redactedURL: String) throws(OutboundHTTPError) {
        let userdata = Unmanaged<AnyObject>.passUnretained(sink).toOpaque()
        func check(_ code: CURLcode) throws(OutboundHTTPError) {
            guard code == CURLE_OK else {
                throw OutboundHTTPError(code: .transport, curlCode: Int(code.rawValue), redactedURL: redactedURL)
            }
        }
        try check(sigmaris_curl_easy_setopt_write_callback(raw, CURLOPT_WRITEFUNCTION, curlWriteCallback))
        try check(sigmaris_curl_easy_setopt_pointer(raw, CURLOPT_WRITEDATA, userdata))
        try check(sigmaris_curl_easy_setopt_write_callback(raw, CURLOPT_HEADERFUNCTION, curlHeaderCallback))
        try check(sigmaris_curl_easy_setopt_pointer(raw, CURLOPT_HEADERDATA, userdata))
    }

    // MARK: - Cleanup

    /// The one place the header slist is freed.
    private func releaseHeaderList() {
        if let headerList {
            curl_slist_free_all(headerList)
        }
        headerList = nil
    }
}
