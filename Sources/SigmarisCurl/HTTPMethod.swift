/// An HTTP request method.
///
/// A struct rather than an enum so callers can use methods we did not list,
/// but every value is validated as an RFC 9110 token before it reaches
/// libcurl: `CURLOPT_CUSTOMREQUEST` is written onto the wire verbatim, so a
/// method containing spaces or CR/LF would let a caller inject request lines.
public struct HTTPMethod: Sendable, Hashable, CustomStringConvertible {
    public let rawValue: String

    /// Returns `nil` unless `rawValue` is a non-empty HTTP token.
    public init?(rawValue: String) {
        guard HTTPSyntax.isToken(rawValue) else { return nil }
        self.rawValue = rawValue
    }

    private init(trusted rawValue: String) {
        self.rawValue = rawValue
    }

    public static let get = HTTPMethod(trusted: "GET")
    public static let head = HTTPMethod(trusted: "HEAD")
    public static let post = HTTPMethod(trusted: "POST")
    public static let put = HTTPMethod(trusted: "PUT")
    public static let patch = HTTPMethod(trusted: "PATCH")
    public static let delete = HTTPMethod(trusted: "DELETE")
    public static let options = HTTPMethod(trusted: "OPTIONS")

    public var description: String { rawValue }
}
