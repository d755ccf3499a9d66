import Foundation

/// Signs outgoing webhooks as the Standard Webhooks specification says (<https://www.standardwebhooks.com>):
/// `webhook-signature: v1,<base64 HMAC-SHA256(key, "<id>.<timestamp>.<body>")>`, where the key is the
/// base64-decoded part of a `whsec_…` secret. HMAC-SHA256 is the one of `HMACSHA256` (JWT HS256).
///
/// The key never leaves this value: its description names no byte of it.
public struct WebhookSigner: Sendable, CustomStringConvertible {
    /// Why a secret was refused; the description names the rule, never the secret.
    public enum SecretError: Error, Sendable, Equatable, CustomStringConvertible {
        case missingPrefix
        case notBase64
        case keyLength(Int)

        public var description: String {
            switch self {
            case .missingPrefix: "a secret starting with whsec_"
            case .notBase64: "whsec_ followed by standard base64"
            case .keyLength(let count): "a key of \(WebhookSigner.keyBytes.lowerBound) to \(WebhookSigner.keyBytes.upperBound) bytes after base64 decoding (got \(count))"
            }
        }
    }

    public static let secretPrefix = "whsec_"
    /// The key sizes the specification allows (24 to 64 bytes; 32 recommended).
    public static let keyBytes = 24...64

    private let key: [UInt8]

    /// `secret` is `whsec_` followed by the standard base64 of the key.
    public init(secret: String) throws(SecretError) {
        guard secret.hasPrefix(Self.secretPrefix) else { throw .missingPrefix }
        guard let key = Data(base64Encoded: String(secret.dropFirst(Self.secretPrefix.count))) else { throw .notBase64 }
        guard Self.keyBytes.contains(key.count) else { throw .keyLength(key.count) }
        self.key = Array(key)
    }

    /// The `webhook-signature` value for one attempt: `v1,` and the base64 tag of `id.timestamp.body`.
    public func signature(id: String, timestamp: Int, body: [UInt8]) -> String {
        let signed = Array("\(id).\(timestamp).".utf8) + body
        // Only nil for an empty or oversized key, which `init` refuses.
        let tag = HMACSHA256.authenticate(signed, key: key) ?? []
        return "v1," + Data(tag).base64EncodedString()
    }

    /// The three headers of one attempt, in the specification's names.
    public func headers(id: String, timestamp: Int, body: [UInt8]) -> [(name: String, value: String)] {
        [
            ("webhook-id", id),
            ("webhook-timestamp", String(timestamp)),
            ("webhook-signature", signature(id: id, timestamp: timestamp, body: body)),
        ]
    }

    public var description: String { "WebhookSigner(key: <redacted>)" }
}
