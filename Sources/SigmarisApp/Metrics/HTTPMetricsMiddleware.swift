import Hummingbird

/// Counts every request and times it until its response body has ended (a streamed turn: its last
/// event), by route pattern, method and status; a streamed turn is also counted by how it ended
/// (`done`, `error`, `cancelled`), since its status, 200, was sent before that was known.
///
/// The route is the pattern the router matched (`/api/sessions`, `/assets/{file}` …), never the
/// request's path, which may carry ids; a request no route matched counts as `unmatched`. The
/// method is one of the standard ones or `other`, so a client inventing methods cannot grow the
/// label set.
struct HTTPMetricsMiddleware<Context: OutcomeReportingContext>: RouterMiddleware {
    let metrics: SigmarisMetrics

    static var unmatchedRoute: String { "unmatched" }

    private static var knownMethods: Set<HTTPRequest.Method> {
        [.get, .head, .post, .put, .patch, .delete, .options]
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let status: HTTPResponse.Status
        do {
            let response = try await next(request, context)
            status = response.status
            let (metrics, route, method) = (metrics, Self.route(context.endpointPath), Self.method(request))
            return response.onBodyEnd(outcome: context.streamOutcome) { end in
                metrics.recordRequest(route: route, method: method, status: status.code, duration: ContinuousClock.now - start, end: end)
            }
        } catch {
            // Normally the error middleware inside has turned errors into responses already.
            metrics.recordRequest(
                route: Self.route(context.endpointPath), method: Self.method(request),
                status: (error as? any HTTPResponseError)?.status.code ?? 500, duration: ContinuousClock.now - start, end: .complete)
            throw error
        }
    }

    private static func method(_ request: Request) -> String {
        knownMethods.contains(request.method) ? request.method.rawValue : "other"
    }

    /// Hummingbird's router sets `NotFound` when nothing matched (and the file middleware its own
    /// name); everything else it sets is a pattern registered in code.
    static func route(_ endpointPath: String?) -> String {
        guard let endpointPath, endpointPath.hasPrefix("/") else { return unmatchedRoute }
        return endpointPath
    }
}
