import Hummingbird

/// Counts every request and times it until its response is ready, by route pattern, method and
/// status.
///
/// The route is the pattern the router matched (`/api/sessions`, `/assets/{file}` …), never the
/// request's path, which may carry ids; a request no route matched counts as `unmatched`. The
/// method is one of the standard ones or `other`, so a client inventing methods cannot grow the
/// label set.
struct HTTPMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
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
            record(request, context: context, status: status, start: start)
            return response
        } catch {
            // Normally the error middleware inside has turned errors into responses already.
            record(request, context: context, status: (error as? any HTTPResponseError)?.status ?? .internalServerError, start: start)
            throw error
        }
    }

    private func record(_ request: Request, context: Context, status: HTTPResponse.Status, start: ContinuousClock.Instant) {
        let method = Self.knownMethods.contains(request.method) ? request.method.rawValue : "other"
        metrics.recordRequest(
            route: Self.route(context.endpointPath), method: method, status: status.code,
            duration: ContinuousClock.now - start)
    }

    /// Hummingbird's router sets `NotFound` when nothing matched (and the file middleware its own
    /// name); everything else it sets is a pattern registered in code.
    static func route(_ endpointPath: String?) -> String {
        guard let endpointPath, endpointPath.hasPrefix("/") else { return unmatchedRoute }
        return endpointPath
    }
}
