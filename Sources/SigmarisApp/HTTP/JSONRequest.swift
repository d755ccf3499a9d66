import Hummingbird
import NIOCore
import SigmarisEngine
import SigmarisJSON

/// Reads a request body as a JSON object, or answers 400 (413 above the context's upload limit, 415
/// when it is not labelled `application/json`).
enum JSONRequest {
    static let unsupportedMediaType = APIError(
        .unsupportedMediaType, "Content-Type must be application/json", reason: "unsupported_media_type")

    /// A browser sends a `text/plain`, form or multipart body to any origin without asking first (no
    /// CORS preflight), so with auth disabled a page on any site could start turns. For
    /// `application/json` it must ask, and this server never agrees (it sends no CORS headers). So
    /// every body read as JSON must say it is: one `Content-Type`, `application/json`, parameters
    /// (`; charset=utf-8`) allowed, case-insensitive. In every mode, so clients learn it once.
    static func requireJSONContentType(_ request: Request) throws(APIError) {
        let values = request.headers[values: .contentType]
        guard values.count == 1, isJSON(values[0]) else { throw unsupportedMediaType }
    }

    static func isJSON(_ contentType: String) -> Bool {
        let mediaType = contentType.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false)[0]
        return mediaType.trimmingCharacters(in: .whitespaces).lowercased() == "application/json"
    }

    static func object(_ request: Request, context: some RequestContext) async throws -> JSONObject {
        // The body is read before anything is refused, as every handler here does: a POST handler
        // inside `CancelOnDisconnectMiddleware` that returns without reading it trips a precondition
        // in NIO's body stream (seen in the router tests).
        let buffer = try await request.body.collect(upTo: context.maxUploadSize)
        try requireJSONContentType(request)
        let value: JSONValue
        do {
            value = try JSONValue(parsing: buffer.readableBytesView)
        } catch {
            throw APIError.badRequest("Body must be valid JSON", reason: "invalid_json")
        }
        guard let object = value.objectValue else {
            throw APIError.badRequest("Body must be a JSON object", reason: "invalid_json")
        }
        return object
    }

    /// The bytes of a body that may be left out: empty needs no `Content-Type`; anything else is
    /// held to `requireJSONContentType` like a body that must be there.
    static func optionalBody(_ request: Request, context: some RequestContext) async throws -> ByteBuffer {
        let buffer = try await request.body.collect(upTo: context.maxUploadSize)
        if buffer.readableBytes > 0 { try requireJSONContentType(request) }
        return buffer
    }

    /// An optional string field: absent or null is nil; anything but a string is a 400.
    static func optionalString(_ object: JSONObject, _ key: String) throws(APIError) -> String? {
        guard let value = object[key], !value.isNull else { return nil }
        guard let string = value.stringValue else { throw APIError.badRequest("\(key) must be a string", reason: "invalid_field") }
        return string
    }

    /// An optional finite number; absent or null is nil.
    static func optionalNumber(_ object: JSONObject, _ key: String) throws(APIError) -> Double? {
        guard let value = object[key], !value.isNull else { return nil }
        guard let number = value.doubleValue, number.isFinite else {
            throw APIError.badRequest("\(key) must be a finite number", reason: "invalid_field")
        }
        return number
    }
}
