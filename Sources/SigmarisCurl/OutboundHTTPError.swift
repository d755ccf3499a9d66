import CCurl

/// Why an outbound HTTP request failed.
///
/// The description is safe to log: it is built only from the error code,
/// libcurl's static message for the `CURLcode`, and a redacted URL
/// (`scheme://host[:port]/path`). It never contains header values, bodies,
/// query strings, fragments or userinfo. libcurl's `CURLOPT_ERRORBUFFER` is
/// deliberately not used because its text can echo parts of the request.
public struct OutboundHTTPError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable {
        /// The URL could not be parsed, or is not `http`/`https`.
        case invalidURL
        /// The request itself is unusable (e.g. CR/LF in a header value).
        /// Separate from `invalidURL` so callers can tell a bad header apart.
        case invalidRequest
        /// DNS failure or TCP connect refused / timed out at connect.
        case couldNotConnect
        /// The connect or total timeout elapsed.
        case timedOut
        /// TLS handshake or certificate verification failed.
        case tls
        /// The response body exceeded the configured maximum.
        case responseTooLarge
        /// The calling task was cancelled; the transfer was aborted.
        case cancelled
        /// Any other libcurl failure.
        case transport
        /// The client was shut down (the server is stopping).
        case shutdown
        /// Not sent: the upstream's calls in flight and waiting were at their caps, or the wait
        /// for a place outlasted the call's deadline (`OutboundGate`).
        case busy
        /// Not sent: the upstream failed too often lately and its circuit breaker is open.
        case unavailable
    }

    public let code: Code
    /// The raw libcurl `CURLcode`, when libcurl reported the failure.
    public let curlCode: Int?
    /// `scheme://host[:port]/path`, or `nil` when the URL is unparseable.
    public let redactedURL: String?
    /// For `busy` and `unavailable`: when asking again may be worth it.
    public let retryAfter: Duration?

    public init(code: Code, curlCode: Int? = nil, redactedURL: String? = nil, retryAfter: Duration? = nil) {
        self.code = code
        self.curlCode = curlCode
        self.redactedURL = redactedURL
        self.retryAfter = retryAfter
    }

    /// A call refused before it was sent: `busy` or `unavailable`.
    public var isRefusal: Bool { code == .busy || code == .unavailable }

    /// `retryAfter` in whole seconds, rounded up and at least 1 (for a `Retry-After` header).
    public var retryAfterSeconds: Int? {
        guard let retryAfter else { return nil }
        let (seconds, attoseconds) = retryAfter.components
        return max(1, Int(seconds) + (attoseconds > 0 ? 1 : 0))
    }

    public var description: String {
        var text = "OutboundHTTPError(\(code.rawValue))"
        if let curlCode {
            // curl_easy_strerror returns a static, request-independent string.
            let message = String(cString: curl_easy_strerror(CURLcode(UInt32(truncatingIfNeeded: curlCode))))
            text += " curl \(curlCode): \(message)"
        }
        text += " url: \(redactedURL ?? "<unparseable>")"
        return text
    }
}

extension OutboundHTTPError {
    /// Classifies a failed `curl_easy_perform`.
    ///
    /// - Parameters:
    ///   - responseTooLarge: set by the write callback when it aborted the
    ///     transfer because of the size cap (libcurl then reports a generic
    ///     `CURLE_WRITE_ERROR`).
    ///   - cancelled: set when the transfer was aborted because its consumer went away.
    static func fromPerform(
        _ code: CURLcode,
        responseTooLarge: Bool,
        cancelled: Bool,
        redactedURL: String?
    ) -> OutboundHTTPError {
        // Our own abort flags win: libcurl only reports the generic CURLE_WRITE_ERROR for them.
        if responseTooLarge || code == CURLE_FILESIZE_EXCEEDED {
            return OutboundHTTPError(code: .responseTooLarge, curlCode: Int(code.rawValue), redactedURL: redactedURL)
        }
        if cancelled || code == CURLE_ABORTED_BY_CALLBACK {
            return OutboundHTTPError(code: .cancelled, curlCode: Int(code.rawValue), redactedURL: redactedURL)
        }
        let kind: Code
        switch code {
        case CURLE_UNSUPPORTED_PROTOCOL, CURLE_URL_MALFORMAT:
            kind = .invalidURL
        case CURLE_COULDNT_RESOLVE_PROXY, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_CONNECT:
            kind = .couldNotConnect
        case CURLE_OPERATION_TIMEDOUT:
            kind = .timedOut
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM,
            CURLE_SSL_CIPHER, CURLE_SSL_CACERT_BADFILE, CURLE_SSL_ENGINE_NOTFOUND,
            CURLE_SSL_ENGINE_SETFAILED, CURLE_SSL_ENGINE_INITFAILED, CURLE_SSL_SHUTDOWN_FAILED,
            CURLE_SSL_CRL_BADFILE, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_PINNEDPUBKEYNOTMATCH,
            CURLE_SSL_INVALIDCERTSTATUS, CURLE_SSL_CLIENTCERT, CURLE_USE_SSL_FAILED:
            kind = .tls
        default:
            kind = .transport
        }
        return OutboundHTTPError(code: kind, curlCode: Int(code.rawValue), redactedURL: redactedURL)
    }
}
