/// An outbound HTTP request. A plain value: safe to build anywhere and send
/// from any task.
public struct HTTPRequest: Sendable {
    public var method: HTTPMethod
    /// Absolute `http://` or `https://` URL. Never logged or put in errors
    /// verbatim: see ``RedactedURL``.
    public var url: String
    /// Header lines in sending order. Values are never logged.
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]?
    /// Total time allowed for this request; `nil` uses the client's
    /// ``CurlHTTPClientConfiguration/requestTimeout``.
    public var timeout: Duration?

    public init(
        method: HTTPMethod = .get,
        url: String,
        headers: [(name: String, value: String)] = [],
        body: [UInt8]? = nil,
        timeout: Duration? = nil
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
    }
}
