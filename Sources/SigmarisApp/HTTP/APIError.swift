import HTTPTypes
import Hummingbird
import SigmarisEngine
import SigmarisJSON

/// An error the service answers with on purpose: a status and a small JSON body
/// `{"error": <message>, "reason"?: <machine code>, "detail"?: <text>}`.
/// Every other error type of the service becomes one of these in `ErrorMiddleware`, and only there;
/// an `APIError` renders itself (it is an `HTTPResponseError`), so its response does not depend on
/// where a middleware sits.
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
        .serviceUnavailable, "Database unavailable", reason: "database_unavailable", headers: [.retryAfter: "5"])

    /// A turn's provider call (or remote core call) was refused before it was sent: too many in flight
    /// and waiting (`provider_busy`), or the upstream failed too often lately (`provider_unavailable`).
    /// Nothing was stored; `Retry-After` says when asking again may succeed.
    public static func providerRefused(_ refusal: ProviderRefusal) -> APIError {
        let retryAfter: HTTPFields = [.retryAfter: "\(refusal.retryAfterSeconds)"]
        switch refusal.kind {
        case .busy:
            return APIError(
                .serviceUnavailable, "The persona provider has too many requests in progress; retry shortly",
                reason: "provider_busy", headers: retryAfter)
        case .unavailable:
            return APIError(
                .serviceUnavailable, "The persona provider is failing; retry later", reason: "provider_unavailable",
                headers: retryAfter)
        }
    }

    public static let internalError = APIError(.internalServerError, "Internal server error", reason: "internal_error")

    /// The request's task was cancelled because its client went away (nginx's 499): nobody reads
    /// this answer, but the request log says what happened instead of showing a 500.
    public static let clientClosedRequest = APIError(
        HTTPResponse.Status(code: 499, reasonPhrase: "Client Closed Request"), "Client closed request")
}

extension APIError: HTTPResponseError {
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        JSONBody.response(try JSONValueEncoder().encode(Body(self)).serialized(), status: status, headers: headers)
    }

    /// `{"error", "reason"?, "detail"?}`: absent parts are left out, not null.
    private struct Body: Encodable {
        let error: APIError

        init(_ error: APIError) { self.error = error }

        enum CodingKeys: String, CodingKey { case error, reason, detail }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(error.message, forKey: .error)
            if let reason = error.reason { try container.encode(reason, forKey: .reason) }
            if let detail = error.detail { try container.encode(detail, forKey: .detail) }
        }
    }
}
