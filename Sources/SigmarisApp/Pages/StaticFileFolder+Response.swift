import HTTPTypes
import Hummingbird
import NIOCore

extension StaticFileFolder {
    /// The file as an answer: 200 with its type, length and entity tag (no body for `HEAD`), 304 when
    /// `If-None-Match` names the current tag, 404 (`APIError`) when there is no such servable file.
    func response(segments: [String], headers: HTTPFields, request: Request) async throws -> Response {
        var headers = headers
        switch try await load(segments: segments, ifNoneMatch: request.headers[.ifNoneMatch]) {
        case .notFound:
            throw APIError(.notFound, "Not found")
        case .notModified(let eTag):
            headers[.eTag] = eTag
            return Response(status: .notModified, headers: headers)
        case .file(let contents, let contentType, let eTag):
            headers[.eTag] = eTag
            headers[.contentType] = contentType
            headers[.contentLength] = String(contents.count)
            if request.method == .head {
                return Response(status: .ok, headers: headers, body: .init())
            }
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: contents)))
        }
    }
}
