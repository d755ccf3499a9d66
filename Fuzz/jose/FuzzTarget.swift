import Foundation

// libFuzzer entry point for what parses untrusted token bytes before (and after) a signature check:
// the compact JWS split and Base64URL, the JOSE header, the claims, and a JWKS document (built by
// scripts/fuzz.sh, not by SwiftPM). Every input must end in a value or a thrown error, never a crash.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJOSE(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    let token = String(decoding: bytes, as: UTF8.self)
    if let jws = try? CompactJWS(token) {
        _ = try? JOSEHeader.decode(jws.header)
        _ = try? JWTClaims.decode(jws.payload)
    }
    _ = try? BearerHeader.token(from: token)
    _ = Base64URL.decode(utf8: bytes)
    _ = try? JOSEHeader.decode(bytes)
    _ = try? JWTClaims.decode(bytes)
    _ = try? JWKSet(jsonData: Data(bytes))
    return 0
}
