import Hummingbird
import Logging
import NIOCore

/// One structured line per request, written when the response is ready: method, path (without the
/// query string, which may carry identifiers), status and duration. Headers are never logged, since
/// they carry tokens.
struct RequestLogMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        var status = "500"
        defer {
            let elapsed = ContinuousClock.now - start
            let ms = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
            context.logger.info(
                "request",
                metadata: [
                    "http.method": .string(request.method.rawValue),
                    "http.path": .string(request.uri.path),
                    "http.status": .string(status),
                    "http.duration_ms": .string(String(format: "%.2f", ms)),
                ])
        }
        let response = try await next(request, context)
        status = String(response.status.code)
        return response
    }
}
