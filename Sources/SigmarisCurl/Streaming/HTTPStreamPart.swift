/// The status and header fields of a streamed response.
public struct HTTPStreamHead: Sendable {
    public let status: Int
    /// Header fields of the final response, names lowercased, in received order.
    public let headers: [(name: String, value: String)]

    public init(status: Int, headers: [(name: String, value: String)] = []) {
        self.status = status
        self.headers = headers
    }

    /// The first value of the header `name` (case-insensitive), if present.
    public func headerValue(_ name: String) -> String? {
        headers.firstValue(named: name)
    }
}

/// One piece of a streamed response, in arrival order: the head once, then body chunks.
public enum HTTPStreamPart: Sendable {
    case head(HTTPStreamHead)
    case body([UInt8])
}

extension Array where Element == (name: String, value: String) {
    /// The first value of the field `name` (case-insensitive) in fields whose names are lowercased.
    func firstValue(named name: String) -> String? {
        let wanted = name.lowercased()
        return first { $0.name == wanted }?.value
    }
}
