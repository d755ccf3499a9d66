import HTTPTypes

/// An error the service answers with on purpose: a status and a small JSON body
/// `{"error": <message>, "reason"?: <machine code>, "detail"?: <text>}`.
/// Every error type of the service becomes one of these in `ErrorMiddleware`, and only there.
public struct APIError: Error, Sendable, Equatable {
    public var status: HTTPResponse.Status
    public var message: String
    public var reason: String?
    public var detail: String?
    public var headers: HTTPFields

    public init(_ status: HTTPResponse.Status, _ message: String, reason: String? = nil, detail: String? = nil, headers: HTTPFields = [:]) {
        self.status = status
        self.message = message
        self.reason = reason
        self.detail = detail
        self.headers = headers
    }

    public static func badRequest(_ message: String, reason: String? = nil) -> APIError {
        APIError(.badRequest, message, reason: reason)
    }

    /// The database cannot be reached; clients may retry after a few seconds.
    public static let databaseUnavailable = APIError(
        .serviceUnavailable, "Database unavailable", headers: [.retryAfter: "5"])

    public static let internalError = APIError(.internalServerError, "Internal server error")
}
