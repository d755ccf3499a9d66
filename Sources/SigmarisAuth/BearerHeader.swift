/// Reads the credential out of an `Authorization` header value.
public enum BearerHeader {
    /// The token of `Bearer <token>`. The scheme is case-insensitive (RFC 7235 2.1); surrounding
    /// whitespace is ignored. Absent or blank → `missing_token`; anything else that is not exactly a
    /// scheme and one token → `malformed`.
    ///
    /// `maxTokenBytes` bounds the work done on the raw header before anything is split or copied.
    public static func token(
        from headerValue: String?,
        maxTokenBytes: Int = JWTVerifierConfiguration.defaultMaxTokenBytes
    ) throws(AuthFailure) -> String {
        guard let headerValue else { throw .missingToken }
        // Room for the scheme and some whitespace; the token itself is re-checked by the verifier.
        guard headerValue.utf8.count <= maxTokenBytes + 64 else { throw .tokenTooLarge }
        let parts = headerValue.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard !parts.isEmpty else { throw .missingToken }
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { throw .malformed }
        // token68 characters only (RFC 7235 2.1); a JWS uses a subset of them.
        let token = parts[1]
        guard token.utf8.allSatisfy(isToken68) else { throw .malformed }
        return String(token)
    }

    private static func isToken68(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        case UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"),
             UInt8(ascii: "+"), UInt8(ascii: "/"), UInt8(ascii: "="):
            return true
        default:
            return false
        }
    }
}
