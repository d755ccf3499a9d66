/// A compact JWS split into its three segments, before anything is trusted.
///
/// Only the header is parsed before the signature is checked (it names the key); the payload's JSON is
/// read only after verification, so unauthenticated claims never reach a JSON parser.
struct CompactJWS {
    /// `BASE64URL(header) "." BASE64URL(payload)` as bytes: what the signature covers.
    let signingInput: [UInt8]
    let header: [UInt8]
    let payload: [UInt8]
    let signature: [UInt8]

    init(_ token: String) throws(AuthFailure) {
        let bytes = Array(token.utf8)
        var dots: [Int] = []
        for (index, byte) in bytes.enumerated() where byte == UInt8(ascii: ".") {
            dots.append(index)
            if dots.count > 2 { throw .malformed }  // a JWE (five segments) or garbage
        }
        guard dots.count == 2, dots[0] > 0, dots[1] > dots[0] + 1 else { throw .malformed }
        // An empty signature segment is allowed through here so `alg: none` tokens get their own reason.
        guard let header = Base64URL.decode(utf8: Array(bytes[..<dots[0]])),
              let payload = Base64URL.decode(utf8: Array(bytes[(dots[0] + 1)..<dots[1]])),
              let signature = Base64URL.decode(utf8: Array(bytes[(dots[1] + 1)...]))
        else { throw .malformed }
        self.signingInput = Array(bytes[..<dots[1]])
        self.header = header
        self.payload = payload
        self.signature = signature
    }
}
