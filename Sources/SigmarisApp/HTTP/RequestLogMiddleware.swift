import Hummingbird
import Logging
import NIOCore

/// One structured line per request, written when the response body has ended: method, path
/// (without the query string, which may carry identifiers), status, duration, and how the body ended
/// (`http.outcome`: a streamed turn's `done`, `error` or `cancelled`, else `complete`, `failed` or
/// `abandoned`). A streamed turn's line is therefore written after its last event, with its real
/// duration. Headers are never logged, since they carry tokens.
struct RequestLogMiddleware<Context: OutcomeReportingContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let (logger, method, path) = (context.logger, request.method.rawValue, request.uri.path)
        let log: @Sendable (String, ResponseEnd) -> Void = { status, end in
            let elapsed = ContinuousClock.now - start
            let ms = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
            logger.info(
                "request",
                metadata: [
                    "http.method": .string(method),
                    "http.path": .string(path),
                    "http.status": .string(status),
                    "http.duration_ms": .string(String(format: "%.2f", ms)),
                    "http.outcome": .string(end.rawValue),
                ])
        }
        let response: Response
        do {
            response = try await next(request, context)
        } catch {
            log("500", .failed)
            throw error
        }
        let status = String(response.status.code)
        return response.onBodyEnd(outcome: context.streamOutcome) { end in log(status, end) }
    }
}
