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
    /// Total time allowed for one transfer of this request; `nil` uses the client's
    /// ``CurlHTTPClientConfiguration/requestTimeout``.
    public var timeout: Duration?
    /// When the whole call must be over: every transfer's time is cut to what is left until then,
    /// a retry that could not start before it is not made, and a wait for a place at an
    /// `OutboundGate` ends there. `nil`: each transfer has its `timeout`, whenever it starts.
    public var deadline: ContinuousClock.Instant?

    public init(
        method: HTTPMethod = .get,
        url: String,
        headers: [(name: String, value: String)] = [],
        body: [UInt8]? = nil,
        timeout: Duration? = nil,
        deadline: ContinuousClock.Instant? = nil
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
        self.deadline = deadline
    }

    /// A request whose whole call (retries and waits included) may take `budget` from now: each
    /// transfer at most `budget`, and all of them together too.
    public func within(_ budget: Duration, from now: ContinuousClock.Instant = .now) -> HTTPRequest {
        var request = self
        request.timeout = budget
        request.deadline = now + budget
        return request
    }
}
