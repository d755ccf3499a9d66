/// Settings shared by every request a ``CurlHTTPClient`` sends.
///
/// TLS peer and host verification are always on; there is deliberately no
/// switch to turn them off. Point ``caBundlePath`` at a private CA instead.
public struct CurlHTTPClientConfiguration: Sendable {
    /// Time allowed for DNS + TCP (+ TLS) connection setup.
    public var connectTimeout: Duration
    /// Default total time for a request; ``HTTPRequest/timeout`` overrides it.
    public var requestTimeout: Duration
    /// Responses with a larger body fail with `responseTooLarge`.
    public var maxResponseBytes: Int
    /// Connections the client keeps open between transfers for reuse (libcurl's
    /// CURLMOPT_MAXCONNECTS): every transfer shares one connection cache.
    public var maxIdleConnections: Int
    /// Redirects are not followed unless enabled: a redirect can move a
    /// request (and its body) somewhere the caller did not choose.
    public var followRedirects: Bool
    /// Upper bound on redirects when ``followRedirects`` is on.
    public var maxRedirects: Int
    /// Sent as `User-Agent` unless the request sets its own.
    public var userAgent: String?
    /// PEM bundle of trusted CAs; `nil` uses the system store.
    public var caBundlePath: String?

    public init(
        connectTimeout: Duration = .seconds(5),
        requestTimeout: Duration = .seconds(30),
        maxResponseBytes: Int = 10 * 1024 * 1024,
        maxIdleConnections: Int = 16,
        followRedirects: Bool = false,
        maxRedirects: Int = 5,
        userAgent: String? = "sigmaris",
        caBundlePath: String? = nil
    ) {
        self.connectTimeout = connectTimeout
        self.requestTimeout = requestTimeout
        self.maxResponseBytes = maxResponseBytes
        self.maxIdleConnections = maxIdleConnections
        self.followRedirects = followRedirects
        self.maxRedirects = maxRedirects
        self.userAgent = userAgent
        self.caBundlePath = caBundlePath
    }
}

extension Duration {
    /// Whole milliseconds for libcurl's *_MS options, at least 1: libcurl
    /// reads 0 as "no timeout", so a tiny duration must not turn into that.
    var curlMilliseconds: Int {
        let (seconds, attoseconds) = components
        let millis = seconds.multipliedReportingOverflow(by: 1000)
        guard !millis.overflow else { return Int.max }
        let total = millis.partialValue.addingReportingOverflow(attoseconds / 1_000_000_000_000_000)
        guard !total.overflow else { return Int.max }
        return Int(clamping: max(1, total.partialValue))
    }
}
