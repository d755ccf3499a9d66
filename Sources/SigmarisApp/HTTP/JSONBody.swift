import Hummingbird
import NIOCore

/// A JSON response from text that is already serialized (by `OrderedJSONResponseEncoder` or
/// `APIError`), with the content type every JSON route answers with.
enum JSONBody {
    static func response(_ json: String, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(string: json)))
    }
}
