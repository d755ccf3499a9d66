import Foundation
import SigmarisEngine

/// Why a remote persona provider gave up on a request.
///
/// The description ends up in logs, trace events and (with raised provider errors) API answers,
/// so it is built only from the endpoint, the code, the attempt count and a short excerpt of the
/// server's structured error message with credentials redacted: never a header value, the prompt,
/// or a response body.
public struct ProviderError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: Sendable, Equatable {
        /// The request took longer than its timeout (connect or total).
        case timeout
        /// The server answered with a non-2xx status (after retries, when it was retryable).
        case http(status: Int)
        /// A 2xx answer that is not the expected JSON shape.
        case malformedResponse
        /// No complete answer: connection refused or reset, DNS, TLS, oversized body, or an error
        /// event that broke a streamed answer off.
        case transport
        /// The request could not be built or sent as configured (bad URL, bad header value).
        case invalidRequest
        /// The calling task was cancelled.
        case cancelled
        /// Not sent: too many calls to the provider were in flight and waiting, or the wait for a
        /// place outlasted the call's timeout (`OutboundGate`).
        case busy
        /// Not sent: the provider failed too often lately; calls fail fast for a while.
        case unavailable
    }

    public let code: Code
    /// The endpoint path below the base URL, e.g. `chat/completions`.
    public let endpoint: String
    /// How many times the request was sent (0 when it never left).
    public let attempts: Int
    /// Already redacted and bounded; nil when there is nothing safe to add.
    public let detail: String?
    /// For `busy` and `unavailable`: whole seconds after which asking again may succeed.
    public let retryAfterSeconds: Int?

    public init(code: Code, endpoint: String, attempts: Int, detail: String? = nil, retryAfterSeconds: Int? = nil) {
        self.code = code
        self.endpoint = endpoint
        self.attempts = attempts
        self.detail = detail
        self.retryAfterSeconds = retryAfterSeconds
    }

    public var description: String {
        var text = "provider \(endpoint) failed: \(codeDescription)"
        if attempts > 1 { text += " after \(attempts) attempts" }
        if let detail, !detail.isEmpty { text += " (\(detail))" }
        return text
    }

    private var codeDescription: String {
        switch code {
        case .timeout: "timeout"
        case .http(let status): "HTTP \(status)"
        case .malformedResponse: "malformed response"
        case .transport: "transport error"
        case .invalidRequest: "invalid request"
        case .cancelled: "cancelled"
        case .busy: "busy (not sent)"
        case .unavailable: "unavailable (not sent)"
        }
    }
}

extension ProviderError: ProviderRefusalReporting {
    public var refusal: ProviderRefusal? {
        switch code {
        case .busy: ProviderRefusal(kind: .busy, retryAfterSeconds: retryAfterSeconds ?? 1)
        case .unavailable: ProviderRefusal(kind: .unavailable, retryAfterSeconds: retryAfterSeconds ?? 1)
        case .timeout, .http, .malformedResponse, .transport, .invalidRequest, .cancelled: nil
        }
    }
}

extension ProviderError {
    /// Longest excerpt of a server's error message kept in `detail`.
    static let excerptLimit = 120

    /// A short, credential-free excerpt of `text`: every `secret` is cut out literally first (an
    /// upstream may echo the API key in a format the generic redaction does not recognise), then
    /// anything that looks like a credential is redacted, then the text is bounded.
    static func excerpt(_ text: String, removing secrets: [String]) -> String {
        var scrubbed = text
        for secret in secrets where !secret.isEmpty {
            scrubbed = scrubbed.replacingOccurrences(of: secret, with: PersonaConstants.Turn.redactionMarker)
        }
        // Newlines would let an upstream forge extra log lines.
        scrubbed = String(scrubbed.unicodeScalars.map { $0.properties.generalCategory == .control ? " " : Character($0) })
        let redacted = ProviderErrorRedaction.redact(scrubbed)
        return TextRules.length(redacted) > excerptLimit
            ? TextRules.prefix(redacted, excerptLimit) + PersonaConstants.Identity.ellipsis
            : redacted
    }
}
