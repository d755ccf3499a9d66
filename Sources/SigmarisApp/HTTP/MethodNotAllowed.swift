import HTTPTypes
import Hummingbird

/// 405 for a method that a path does not have, with the `Allow` header HTTP requires (RFC 9110
/// §15.5.6); Hummingbird's router answers 404 to both "no such path" and "no such method here".
///
/// It sits where the router sends every request that no route took: `buildRouter` adds it last,
/// after every route, and Hummingbird applies a middleware only to the routes added after it and to
/// its not-found responder. So it never runs for a request a route handled (a handler's own 404,
/// such as `session_not_found`, passes by untouched), and it knows the finished route list. It runs
/// before any authentication, as the not-found answer does: which methods a path has is public (it
/// is in `/openapi.json`).
struct MethodNotAllowedMiddleware<Context: RequestContext>: RouterMiddleware {
    /// One served path pattern and the methods it has.
    struct Resource: Sendable {
        let pattern: [RouterPath.Element]
        let methods: [HTTPRequest.Method]
    }

    let resources: [Resource]

    /// The routes a router serves, grouped by path pattern.
    init(routes: [Router<Context>.RouteDescription]) {
        var methodsByPath: [String: (pattern: RouterPath, methods: [HTTPRequest.Method])] = [:]
        for route in routes {
            methodsByPath[route.path.description, default: (route.path, [])].methods.append(route.method)
        }
        resources = methodsByPath.values.map { Resource(pattern: Array($0.pattern.components), methods: $0.methods) }
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let allowed = allowedMethods(path: request.uri.path)
        guard !allowed.isEmpty else { return try await next(request, context) }
        throw Self.error(allowing: allowed)
    }

    static func error(allowing methods: [String]) -> APIError {
        APIError(
            .methodNotAllowed, "Method not allowed; this path allows \(methods.joined(separator: ", "))",
            reason: "method_not_allowed", headers: [.allow: methods.joined(separator: ", ")])
    }

    /// The methods of every pattern the path matches, sorted; empty when none matches (a 404).
    func allowedMethods(path: String) -> [String] {
        // The router splits the same way: empty segments (`//`, a trailing `/`) are skipped.
        let segments = path.split(separator: "/")[...]
        let methods = resources.filter { Self.matches($0.pattern[...], segments) }.flatMap(\.methods)
        return Set(methods.map(\.rawValue)).sorted()
    }

    /// Hummingbird's matching, for the elements this service uses: a constant, a `:capture` or `*`
    /// takes one segment, `**` one or more.
    static func matches(_ pattern: ArraySlice<RouterPath.Element>, _ segments: ArraySlice<Substring>) -> Bool {
        guard let element = pattern.first else { return segments.isEmpty }
        guard let segment = segments.first else { return false }
        if element == .recursiveWildcard {
            return (1...segments.count).contains { matches(pattern.dropFirst(), segments.dropFirst($0)) }
        }
        return element ~= segment && matches(pattern.dropFirst(), segments.dropFirst())
    }
}
