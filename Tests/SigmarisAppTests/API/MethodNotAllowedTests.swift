import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SigmarisEngine
import Testing

@testable import SigmarisApp

/// A path that exists answers a method it does not have with 405, an `Allow` header naming exactly
/// the methods it has, and the JSON error body; a path that does not exist stays a 404, and a
/// handler's own 404 is left alone. No database is needed: the answer comes before any handler.
@Suite("405 Method Not Allowed")
struct MethodNotAllowedTests {
    static func app() throws -> some ApplicationProtocol {
        var configuration = TestConfiguration.unreachableDatabase()
        configuration.devSignIn = true
        configuration.publicDirectory = OpenAPIDocument.publicDirectory.path
        return try buildApplication(configuration: configuration, logger: TestConfiguration.logger, runMigrations: false)
    }

    /// The methods a client may try; `HEAD` too, since only the pages and files declare it.
    static let methods: [HTTPRequest.Method] = [.get, .head, .post, .put, .patch, .delete, .options, .trace]

    /// Every served path (a `{path}` filled in) and the methods the router has for it.
    static func servedPaths() throws -> [String: Set<String>] {
        var paths: [String: Set<String>] = [:]
        for route in try OpenAPIRoutesTests.servedRoutes() {
            let parts = route.split(separator: " ", maxSplits: 1)
            let path = String(parts[1]).replacingOccurrences(of: "{path}", with: "app.css")
            paths[path, default: []].insert(String(parts[0]))
        }
        return paths
    }

    @Test func everyMissingMethodOfEveryPathIs405WithAllow() async throws {
        let paths = try Self.servedPaths()
        #expect(paths.count > 15)
        try await Self.app().test(.router) { client in
            for (path, allowed) in paths.sorted(by: { $0.key < $1.key }) {
                for method in Self.methods where !allowed.contains(method.rawValue) {
                    let response = try await client.execute(uri: path, method: method, headers: [:], body: nil)
                    let label = "\(method) \(path)"
                    #expect(response.status == .methodNotAllowed, "\(label)")
                    #expect(response.headers[.allow] == allowed.sorted().joined(separator: ", "), "\(label)")
                    #expect(response.headers[.contentType]?.hasPrefix("application/json") == true, "\(label)")
                    if method != .head {
                        let body = try API.json(response)
                        #expect(body["reason"]?.stringValue == "method_not_allowed", "\(label)")
                        #expect(body["error"]?.stringValue?.isEmpty == false, "\(label)")
                    }
                }
            }
        }
    }

    @Test func aMethodThatExistsAndAPathThatDoesNotAreNot405() async throws {
        try await Self.app().test(.router) { client in
            // No route at all: 404, whatever the method.
            for method in [HTTPRequest.Method.get, .put, .delete] {
                let response = try await client.execute(uri: "/api/no-such-route", method: method)
                #expect(response.status == .notFound, "\(method)")
                #expect(response.headers[.allow] == nil)
            }
            // `/assets/**` needs a file name, as the router's `**` does.
            #expect(try await client.execute(uri: "/assets", method: .delete).status == .notFound)
            #expect(try await client.execute(uri: "/assets/", method: .delete).status == .notFound)
            // A route's own 404 (a missing file) and 401 (no token) are its handler's answers.
            #expect(try await client.execute(uri: "/assets/missing.css", method: .get).status == .notFound)
            #expect(try await client.execute(uri: "/api/sessions", method: .get).status == .unauthorized)
        }
    }

    @Test func aBodySentWithAMissingMethodChangesNothingAndGets405() async throws {
        try await Self.app().test(.router) { client in
            // Answered before authentication and before any handler reads the body.
            let response = try await client.execute(
                uri: "/api/account", method: .post, headers: [.contentType: "application/json"],
                body: ByteBuffer(string: #"{"confirm":"DELETE"}"#))
            #expect(response.status == .methodNotAllowed)
            #expect(response.headers[.allow] == "DELETE")
            // Deeper paths under a `**` route and a trailing slash match as the router matches them.
            #expect(try await client.execute(uri: "/vendor/chart.js/a/b.js", method: .post).headers[.allow] == "GET, HEAD")
            #expect(try await client.execute(uri: "/api/aei/", method: .put).headers[.allow] == "GET, POST")
        }
    }

    @Test func theMatcherFollowsTheRoutersPatterns() {
        let match = { (pattern: RouterPath, path: String) in
            MethodNotAllowedMiddleware<SigmarisRequestContext>.matches(pattern.components[...], path.split(separator: "/")[...])
        }
        #expect(match("/", "/"))
        #expect(!match("/", "/x"))
        #expect(match("/api/aei", "/api/aei"))
        #expect(!match("/api/aei", "/api/aei/x"))
        #expect(match("/assets/**", "/assets/a.css"))
        #expect(match("/assets/**", "/assets/a/b/c.css"))
        #expect(!match("/assets/**", "/assets"))
        #expect(match("/users/:id/state", "/users/42/state"))
        #expect(!match("/users/:id/state", "/users/42"))
        #expect(match("/files/**/raw", "/files/a/b/raw"))
    }
}
