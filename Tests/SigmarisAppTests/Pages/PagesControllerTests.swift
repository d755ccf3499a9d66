import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import SigmarisApp

/// The pages, their assets and Chart.js are served from two folders and nothing else.
@Suite("Pages")
struct PagesControllerTests {
    /// A throwaway layout: `<tmp>/public/{index.html,status.html,operator.html,assets/…}`,
    /// `<tmp>/chart/…`, and a secret beside them that must never be served.
    struct Fixture {
        let base: URL
        var publicDirectory: String { base.appendingPathComponent("public").path }
        var chartDirectory: String { base.appendingPathComponent("chart").path }

        init() throws {
            base = FileManager.default.temporaryDirectory.appendingPathComponent("sigmaris-pages-\(UUID().uuidString)")
            let files: [String: String] = [
                "public/index.html": "<!doctype html><title>chat</title>",
                "public/status.html": "<!doctype html><title>status</title>",
                "public/operator.html": "<!doctype html><title>operator</title>",
                "public/assets/app.js": "export const answer = 42;\n",
                "public/assets/app.css": "body { color: black; }\n",
                "public/assets/sub/deep.css": "p { margin: 0; }\n",
                "public/assets/.hidden.js": "secret();\n",
                "public/assets/tool.exe": "MZ",
                "public/secret.js": "not an asset\n",
                "chart/chart.min.js": "/* chart */ window.Chart = function () {};\n",
                "secret.txt": "TOP SECRET\n",
            ]
            for (path, text) in files {
                let url = base.appendingPathComponent(path)
                try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try Data(text.utf8).write(to: url)
            }
            // A link inside the folder to a file inside it is fine (Debian ships Chart.min.js → chart.min.js)…
            try FileManager.default.createSymbolicLink(
                atPath: base.appendingPathComponent("chart/Chart.min.js").path, withDestinationPath: "chart.min.js")
            // …a link that leaves the folder is not followed.
            try FileManager.default.createSymbolicLink(
                atPath: base.appendingPathComponent("public/assets/leak.js").path, withDestinationPath: "../../secret.txt")
            try FileManager.default.createSymbolicLink(
                atPath: base.appendingPathComponent("public/assets/outside").path, withDestinationPath: "../..")
        }

        func remove() { try? FileManager.default.removeItem(at: base) }

        func app(supabaseURL: String? = nil, anonKey: String? = nil, devSignIn: Bool = false) -> some ApplicationProtocol {
            let router = Router(context: SigmarisRequestContext.self)
            router.addMiddleware { ErrorMiddleware() }
            PagesController(
                publicDirectory: publicDirectory, chartJSDirectory: chartDirectory,
                supabaseURL: supabaseURL, supabaseAnonKey: anonKey, devSignIn: devSignIn
            ).addRoutes(to: router)
            return Application(router: router)
        }
    }

    @Test func pagesAreServedAsHTMLWithASecurityPolicy() async throws {
        let fixture = try Fixture()
        defer { fixture.remove() }
        try await fixture.app(supabaseURL: "https://abcd.supabase.co/", anonKey: "anon").test(.router) { client in
            for (uri, title) in [("/", "chat"), ("/status", "status"), ("/operator", "operator")] {
                try await client.execute(uri: uri, method: .get) { response in
                    #expect(response.status == .ok)
                    #expect(response.headers[.contentType] == "text/html; charset=utf-8")
                    #expect(String(buffer: response.body).contains("<title>\(title)</title>"))
                    #expect(response.headers[.cacheControl] == "no-cache")
                    #expect(response.headers[.xContentTypeOptions] == "nosniff")
                    let csp = try #require(response.headers[.contentSecurityPolicy])
                    #expect(csp.contains("default-src 'self'"))
                    #expect(csp.contains("script-src 'self';"))
                    #expect(csp.contains("connect-src 'self' https://abcd.supabase.co;"))
                    #expect(csp.contains("frame-ancestors 'none'"))
                    #expect(!csp.contains("unsafe-inline"))
                }
            }
        }
    }

    @Test func withoutSupabaseOnlyTheOwnOriginIsReachable() async throws {
        let fixture = try Fixture()
        defer { fixture.remove() }
        try await fixture.app().test(.router) { client in
            try await client.execute(uri: "/", method: .get) { response in
                #expect(response.headers[.contentSecurityPolicy]?.contains("connect-src 'self';") == true)
            }
        }
        // Nothing but a clean origin ever reaches the header.
        #expect(PagesController.origin(of: "https://x.supabase.co/path?q=1") == "https://x.supabase.co")
        #expect(PagesController.origin(of: "http://127.0.0.1:54321") == "http://127.0.0.1:54321")
        #expect(PagesController.origin(of: "javascript:alert(1)") == nil)
        #expect(PagesController.origin(of: "https://evil.example; script-src *") == nil)
    }

    @Test func assetsAndChartJSHaveTheirContentTypes() async throws {
        let fixture = try Fixture()
        defer { fixture.remove() }
        try await fixture.app().test(.router) { client in
            let cases: [(String, String)] = [
                ("/assets/app.js", "text/javascript; charset=utf-8"),
                ("/assets/app.css", "text/css; charset=utf-8"),
                ("/assets/sub/deep.css", "text/css; charset=utf-8"),
                ("/vendor/chart.js/chart.min.js", "text/javascript; charset=utf-8"),
                ("/vendor/chart.js/Chart.min.js", "text/javascript; charset=utf-8"),
            ]
            for (uri, type) in cases {
                try await client.execute(uri: uri, method: .get) { response in
                    #expect(response.status == .ok, "\(uri)")
                    #expect(response.headers[.contentType] == type, "\(uri)")
                    #expect(response.headers[.eTag] != nil, "\(uri)")
                    #expect(response.headers[.xContentTypeOptions] == "nosniff")
                    #expect(response.body.readableBytes > 0)
                }
            }
            try await client.execute(uri: "/assets/app.js", method: .get) { response in
                #expect(String(buffer: response.body) == "export const answer = 42;\n")
                #expect(response.headers[.cacheControl] == "no-cache")
            }
            try await client.execute(uri: "/vendor/chart.js/chart.min.js", method: .get) { response in
                #expect(response.headers[.cacheControl] == "public, max-age=86400")
            }
        }
    }

    @Test func anUnchangedFileIsNotSentAgain() async throws {
        let fixture = try Fixture()
        defer { fixture.remove() }
        try await fixture.app().test(.router) { client in
            let eTag = try await client.execute(uri: "/assets/app.css", method: .get) { response in
                try #require(response.headers[.eTag])
            }
            try await client.execute(uri: "/assets/app.css", method: .get, headers: [.ifNoneMatch: eTag]) { response in
                #expect(response.status == .notModified)
                #expect(response.body.readableBytes == 0)
            }
            try await client.execute(uri: "/assets/app.css", method: .head) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentLength] == "23")
                #expect(response.body.readableBytes == 0)
            }
        }
    }

    @Test func traversalIsRefused() async throws {
        let fixture = try Fixture()
        defer { fixture.remove() }
        try await fixture.app().test(.router) { client in
            let refused = [
                "/assets/../secret.js",
                "/assets/../../secret.txt",
                "/assets/%2e%2e/%2e%2e/secret.txt",
                "/assets/..%2f..%2fsecret.txt",
                "/assets/%2Fetc%2Fpasswd",
                "/assets/sub/..%5c..%5csecret.txt",
                "/vendor/chart.js/../../secret.txt",
                "/vendor/chart.js/%2e%2e/secret.txt",
            ]
            for uri in refused {
                try await client.execute(uri: uri, method: .get) { response in
                    #expect(response.status == .badRequest, "\(uri)")
                    #expect(response.headers[.contentType]?.hasPrefix("application/json") == true, "\(uri)")
                    #expect(!String(buffer: response.body).contains("SECRET"), "\(uri)")
                }
            }
            let missing = [
                "/assets/leak.js",  // a link out of the folder
                "/assets/outside/secret.txt",  // a folder link out of the folder
                "/assets/.hidden.js",  // hidden files
                "/assets/tool.exe",  // unknown types
                "/assets/sub",  // folders
                "/assets/nope.js",
                "/assets//etc/passwd",
                "/vendor/chart.js/",
            ]
            for uri in missing {
                try await client.execute(uri: uri, method: .get) { response in
                    #expect(response.status == .notFound || response.status == .badRequest, "\(uri)")
                    #expect(!String(buffer: response.body).contains("SECRET"), "\(uri)")
                    #expect(!String(buffer: response.body).contains("secret()"), "\(uri)")
                }
            }
        }
    }

    @Test func pathsAreCheckedBeforeTheDiskIsTouched() throws {
        #expect(try StaticFileFolder.segments(of: "app.js") == ["app.js"])
        #expect(try StaticFileFolder.segments(of: "sub/deep.css") == ["sub", "deep.css"])
        #expect(throws: StaticFileFolder.PathError.traversal) { try StaticFileFolder.segments(of: "../x.js") }
        #expect(throws: StaticFileFolder.PathError.traversal) { try StaticFileFolder.segments(of: "a/./x.js") }
        #expect(throws: StaticFileFolder.PathError.traversal) { try StaticFileFolder.segments(of: "/etc/passwd.js") }
        #expect(throws: StaticFileFolder.PathError.traversal) { try StaticFileFolder.segments(of: "a\\..\\x.js") }
        #expect(throws: StaticFileFolder.PathError.notServable) { try StaticFileFolder.segments(of: ".env") }
        #expect(throws: StaticFileFolder.PathError.notServable) { try StaticFileFolder.segments(of: "a//x.js") }
        #expect(throws: StaticFileFolder.PathError.notServable) { try StaticFileFolder.segments(of: "x.sh") }
        #expect(throws: StaticFileFolder.PathError.notServable) { try StaticFileFolder.segments(of: "") }
    }

    @Test func configTellsThePagesHowToSignIn() async throws {
        let fixture = try Fixture()
        defer { fixture.remove() }
        try await fixture.app(supabaseURL: "https://abcd.supabase.co/", anonKey: "public-anon-key", devSignIn: true).test(.router) { client in
            try await client.execute(uri: "/api/pages/config", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/json; charset=utf-8")
                #expect(response.headers[.cacheControl] == "no-store")
                let object = try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
                #expect(object["supabaseUrl"] as? String == "https://abcd.supabase.co")
                #expect(object["supabaseAnonKey"] as? String == "public-anon-key")
                #expect(object["devSignIn"] as? Bool == true)
            }
        }
        try await fixture.app().test(.router) { client in
            try await client.execute(uri: "/api/pages/config", method: .get) { response in
                #expect(String(buffer: response.body) == #"{"devSignIn":false,"supabaseAnonKey":null,"supabaseUrl":null}"#)
            }
        }
    }

    /// The repository's own pages are there and reference only what the routes serve.
    @Test func theRepositoryPagesAreServed() async throws {
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        let router = Router(context: SigmarisRequestContext.self)
        router.addMiddleware { ErrorMiddleware() }
        PagesController(
            publicDirectory: repository.appendingPathComponent("Public").path, chartJSDirectory: "/nonexistent",
            supabaseURL: nil, supabaseAnonKey: nil, devSignIn: true
        ).addRoutes(to: router)
        try await Application(router: router).test(.router) { client in
            for uri in ["/", "/status", "/operator"] {
                let html = try await client.execute(uri: uri, method: .get) { response in
                    #expect(response.status == .ok)
                    return String(buffer: response.body)
                }
                #expect(html.contains("/vendor/chart.js/chart.min.js") == (uri != "/"))
                // Every local script and stylesheet the page names is served.
                for reference in Self.localReferences(in: html) where reference.hasPrefix("/assets/") {
                    try await client.execute(uri: reference, method: .get) { response in
                        #expect(response.status == .ok, "\(uri) → \(reference)")
                    }
                }
                #expect(!html.contains("<script>"), "no inline scripts: the policy forbids them")
                #expect(!html.contains(" style=\""), "no inline styles: the policy forbids them")
            }
        }
    }

    static func localReferences(in html: String) -> [String] {
        var references: [String] = []
        for attribute in ["src=\"", "href=\""] {
            var rest = html[...]
            while let start = rest.range(of: attribute) {
                let tail = rest[start.upperBound...]
                guard let end = tail.firstIndex(of: "\"") else { break }
                references.append(String(tail[..<end]))
                rest = tail[end...]
            }
        }
        return references
    }
}
