/// A complete, buffered HTTP response.
public struct HTTPResponse: Sendable {
    public var status: Int
    /// Header fields of the final response, names lowercased, in received order.
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    public init(status: Int, headers: [(name: String, value: String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The first value of the header `name` (case-insensitive), if present.
    public func headerValue(_ name: String) -> String? {
        headers.firstValue(named: name)
    }
}
