import Foundation
import Testing

@testable import SigmarisApp

/// The document names exactly the routes the router serves: nothing served goes undocumented, and
/// nothing documented is missing from the router.
@Suite("OpenAPI document and router")
struct OpenAPIRoutesTests {
    /// Every route, the dev-only one included (`SIGMARIS_DEV_SIGNIN`).
    static func servedRoutes() throws -> Set<String> {
        var configuration = SigmarisConfiguration()
        configuration.databaseURL = "postgresql://sigmaris:sigmaris@127.0.0.1:1/none"
        configuration.supabaseJWTSecret = TestConfiguration.jwtSecret
        configuration.devSignIn = true
        let router = buildRouter(services: try AppServices(configuration: configuration, logger: TestConfiguration.logger))
        return Set(router.routes.map { "\($0.method.rawValue) \(documentedPath($0.path.description))" })
    }

    /// Hummingbird's `**` (the rest of the path) is the document's `{path}`; `:name` is `{name}`.
    static func documentedPath(_ routerPath: String) -> String {
        routerPath.split(separator: "/", omittingEmptySubsequences: false).map { segment -> String in
            if segment == "**" { return "{path}" }
            if segment.hasPrefix(":") { return "{\(segment.dropFirst())}" }
            return String(segment)
        }.joined(separator: "/")
    }

    @Test func everyServedRouteIsDocumentedAndEveryDocumentedRouteIsServed() throws {
        let served = try Self.servedRoutes()
        let documented = try OpenAPIDocument.load().operations
        #expect(served.count > 20, "\(served.sorted())")
        #expect(served.subtracting(documented).sorted() == [], "served but not in Public/openapi.json")
        #expect(documented.subtracting(served).sorted() == [], "in Public/openapi.json but not served")
    }

    @Test func theServersEntryNamesNoHost() throws {
        let servers = try OpenAPIDocument.load().root["servers"]?.arrayValue ?? []
        #expect(servers.map { $0["url"]?.stringValue } == ["/"])
    }
}
