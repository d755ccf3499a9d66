import Foundation

/// The usable keys of a JWKS document (`{"keys": [...]}`).
///
/// Keys this module cannot use (other types or curves, encryption keys, broken values) are skipped
/// rather than failing the set: issuers publish such keys next to the ones that matter.
public struct JWKSet: Sendable {
    public let keys: [JWK]
    /// How many entries were skipped (unusable, or a repeated `kid`), for logs.
    public let skippedCount: Int

    public init(keys: [JWK]) {
        self.keys = keys
        self.skippedCount = 0
    }

    /// Fails only when the document itself is not a JWKS (not JSON, or no `keys` array).
    public init(jsonData: Data) throws(JWKSetError) {
        let document: Document
        do {
            document = try JSONDecoder().decode(Document.self, from: jsonData)
        } catch {
            throw JWKSetError.notAKeySet
        }
        var keys: [JWK] = []
        var seenIDs: Set<String> = []
        var skipped = 0
        for entry in document.keys {
            guard let object = entry.object, let key = try? object.usableKey() else {
                skipped += 1
                continue
            }
            // A repeated kid would make key selection ambiguous; the first one wins.
            if let kid = key.keyID {
                guard seenIDs.insert(kid).inserted else {
                    skipped += 1
                    continue
                }
            }
            keys.append(key)
        }
        self.keys = keys
        self.skippedCount = skipped
    }

    public var keyIDs: [String] { keys.compactMap(\.keyID) }

    /// The key a token's header names. Without a `kid`, only an unambiguous choice is made: the one
    /// key of the token's algorithm, if there is exactly one.
    public func key(for keyID: String?, algorithm: JWSAlgorithm) -> JWK? {
        if let keyID { return keys.first { $0.keyID == keyID } }
        let candidates = keys.filter { $0.algorithm == algorithm }
        return candidates.count == 1 ? candidates[0] : nil
    }

    private struct Document: Decodable {
        let keys: [Entry]
    }

    /// Decodes one array element without letting a wrongly typed member fail the whole array.
    private struct Entry: Decodable {
        let object: JWKObject?

        init(from decoder: any Decoder) throws {
            object = try? JWKObject(from: decoder)
        }
    }
}

/// A JWKS document that could not be read at all.
public enum JWKSetError: Error, Sendable, CustomStringConvertible {
    case notAKeySet
    /// The document parsed but held no usable key; a cache keeps its previous keys instead.
    case noUsableKeys

    public var description: String {
        switch self {
        case .notAKeySet: return "JWKSetError(not a JWKS document)"
        case .noUsableKeys: return "JWKSetError(no usable keys)"
        }
    }
}
