import Foundation

/// The fields of a JWS protected header this verifier looks at.
///
/// `jwk`, `jku`, `x5u` and `x5c` are ignored on purpose: keys come from configuration, never from the
/// token that is being checked.
struct JOSEHeader: Decodable {
    let alg: String
    let kid: String?
    let crit: [String]?

    static func decode(_ bytes: [UInt8]) throws(AuthFailure) -> JOSEHeader {
        do {
            return try JSONDecoder().decode(JOSEHeader.self, from: Data(bytes))
        } catch {
            throw .malformed
        }
    }

    /// The algorithm the header claims, or why it is refused.
    func algorithm() throws(AuthFailure) -> JWSAlgorithm {
        // RFC 7515 4.1.11: extensions marked critical that we do not understand must make us refuse.
        if let crit, !crit.isEmpty { throw .malformed }
        // Exact, case-sensitive match: "none", "None", "hs256" and friends all land here.
        guard let algorithm = JWSAlgorithm(rawValue: alg) else { throw .unsupportedAlgorithm }
        return algorithm
    }
}
