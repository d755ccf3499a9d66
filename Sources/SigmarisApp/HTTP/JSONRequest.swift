import Hummingbird
import NIOCore
import SigmarisEngine

/// Reads a request body as a JSON object, or answers 400 (413 above the context's upload limit).
enum JSONRequest {
    static func object(_ request: Request, context: some RequestContext) async throws -> JSONObject {
        let buffer = try await request.body.collect(upTo: context.maxUploadSize)
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
