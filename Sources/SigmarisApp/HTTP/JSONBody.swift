import Foundation
import Hummingbird
import NIOCore

/// Builds JSON responses. Bodies are serialized by the caller (the engine's ordered JSON or
/// `JSONSerialization`), so key order is the one the contract shows.
enum JSONBody {
    static func response(_ json: String, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(string: json)))
    }

    /// Serializes plain Foundation values (dictionaries, arrays, strings, numbers, NSNull).
    static func serialize(_ object: Any) -> String {
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]) else {
            return "{}"
        }
        return String(decoding: data, as: UTF8.self)
    }

    static func response(object: Any, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        response(serialize(object), status: status, headers: headers)
    }
}
