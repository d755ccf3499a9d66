// Requests carry credentials (Authorization headers, tokens in bodies or
// query strings) and responses can too (e.g. an OAuth token endpoint). The
// synthesized descriptions would print every header and byte, so anyone
// interpolating a request or response into a log line would leak them.
// These descriptions show only shape, never content.

extension HTTPRequest: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String {
        let url = ParsedURL(url)?.redacted ?? "<unparseable URL>"
        return "HTTPRequest(\(method.rawValue) \(url), \(headers.count) headers, \(body.map { "\($0.count)-byte body" } ?? "no body"))"
    }

    public var debugDescription: String { description }

    /// Keeps `dump()` and test-failure printers from reflecting the fields.
    public var customMirror: Mirror { Mirror(self, children: ["description": description]) }
}

extension HTTPResponse: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String {
        "HTTPResponse(status: \(status), \(headers.count) headers, \(body.count)-byte body)"
    }

    public var debugDescription: String { description }

    public var customMirror: Mirror { Mirror(self, children: ["description": description]) }
}
