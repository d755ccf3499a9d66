import CCurl

/// Process-wide libcurl initialisation.
///
/// `curl_global_init` must run exactly once, before any other libcurl call,
/// and must not race with another thread calling it. If it is skipped,
/// `curl_easy_init` calls it lazily, which is *not* thread-safe. A `static let`
/// is initialised through `swift_once`, which gives exactly-once semantics
/// with proper synchronisation, so every path that creates a handle goes
/// through ``ensureInitialized()`` first.
///
/// `curl_global_cleanup` is deliberately never called: the server lives until
/// the process exits, and tearing libcurl down while a pool thread might still
/// hold a handle would be a use-after-free.
enum CurlGlobal {
    /// The raw `CURLcode` of the one `curl_global_init` call.
    private static let initResult: UInt32 = sigmaris_curl_global_init_default().rawValue

    /// Runs `curl_global_init` on first use; later calls only read the result.
    static func ensureInitialized() throws(OutboundHTTPError) {
        let code = initResult
        guard code == CURLE_OK.rawValue else {
            throw OutboundHTTPError(code: .transport, curlCode: Int(code), redactedURL: nil)
        }
    }
}
