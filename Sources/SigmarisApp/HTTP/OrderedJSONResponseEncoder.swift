import Hummingbird
import SigmarisEngine
import SigmarisJSON

/// The response encoder of every route: a `ResponseEncodable` body is written with its keys in the
/// order its type declares them (Foundation's `JSONEncoder` on Linux orders keys arbitrarily) and with
/// free-form `JSONValue` parts (meta) exactly as the engine built them.
public struct OrderedJSONResponseEncoder: ResponseEncoder {
    public init() {}

    public func encode(_ value: some Encodable, from request: Request, context: some RequestContext) throws -> Response {
        JSONBody.response(try JSONValueEncoder().encode(value).serialized())
    }
}
