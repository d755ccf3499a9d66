import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The chat page (`/`), the dashboard (`/status`), the operator page (`/operator`), the API reference
/// (`/docs`, which renders `/openapi.json`), their scripts and
/// styles (`/assets/…`), Debian's Chart.js (`/vendor/chart.js/…`) and what the pages need to know to
/// sign in (`/api/pages/config`).
///
/// Files are read on a thread pool (never on the event loop), only from the two folders, only with
/// plain names and known types; see `StaticFileFolder`. HTML pages carry a Content-Security-Policy
/// that allows scripts, styles and connections to this origin only, plus the Supabase project's origin
/// for `connect-src` (Supabase Auth's REST endpoints) when one is configured.
struct PagesController: Sendable {
    let publicFolder: StaticFileFolder
    let assetsFolder: StaticFileFolder
    let chartJSFolder: StaticFileFolder
    let supabaseURL: String?
    let supabaseAnonKey: String?
    let devSignIn: Bool
    /// The Content-Security-Policy of the HTML pages.
    let contentSecurityPolicy: String

    init(publicDirectory: String, chartJSDirectory: String, supabaseURL: String?, supabaseAnonKey: String?, devSignIn: Bool) {
        let publicDirectory = publicDirectory.isEmpty ? "." : publicDirectory
        self.publicFolder = StaticFileFolder(root: publicDirectory)
        self.assetsFolder = StaticFileFolder(root: publicDirectory + "/assets")
        self.chartJSFolder = StaticFileFolder(root: chartJSDirectory)
        let trimmedURL = supabaseURL.map { $0.trimmingCharacters(in: .whitespaces) }.flatMap { $0.isEmpty ? nil : $0 }
        self.supabaseURL = trimmedURL.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
        self.supabaseAnonKey = supabaseAnonKey.flatMap { $0.isEmpty ? nil : $0 }
        self.devSignIn = devSignIn
        self.contentSecurityPolicy = Self.contentSecurityPolicy(connectingTo: trimmedURL.flatMap(Self.origin(of:)))
    }

    func addRoutes(to router: Router<SigmarisRequestContext>) {
        for method in [HTTPRequest.Method.get, .head] {
            router.on("/", method: method) { request, context in
                try await page("index.html", request: request, context: context)
            }
            router.on("status", method: method) { request, context in
                try await page("status.html", request: request, context: context)
            }
            router.on("operator", method: method) { request, context in
                try await page("operator.html", request: request, context: context)
            }
            router.on("docs", method: method) { request, context in
                try await page("docs.html", request: request, context: context)
            }
            router.on("assets/**", method: method) { request, context in
                try await file(in: assetsFolder, prefix: "/assets/", cacheControl: "no-cache", request: request, context: context)
            }
            router.on("vendor/chart.js/**", method: method) { request, context in
                // A Debian package's file changes only with an upgrade: a day of caching is safe.
                try await file(in: chartJSFolder, prefix: "/vendor/chart.js/", cacheControl: "public, max-age=86400", request: request, context: context)
            }
        }
        router.get("api/pages/config") { _, _ in
            // The anon key is public by design: Supabase's browser clients always carry it.
            EditedResponse(
                headers: [.cacheControl: "no-store"],
                response: PagesConfig(devSignIn: devSignIn, supabaseAnonKey: supabaseAnonKey, supabaseUrl: supabaseURL))
        }
    }

    // MARK: Responses

    /// What the pages' scripts need to sign in.
    struct PagesConfig: ResponseEncodable {
        var devSignIn: Bool
        var supabaseAnonKey: String?
        var supabaseUrl: String?
    }

    private func page(_ name: String, request: Request, context: SigmarisRequestContext) async throws -> Response {
        let headers: HTTPFields = [
            .cacheControl: "no-cache",
            .contentSecurityPolicy: contentSecurityPolicy,
            .xContentTypeOptions: "nosniff",
            PageHeaderName.frameOptions: "DENY",
            PageHeaderName.referrerPolicy: "no-referrer",
        ]
        return try await publicFolder.response(segments: [name], headers: headers, request: request)
    }

    private func file(
        in folder: StaticFileFolder, prefix: String, cacheControl: String, request: Request, context: SigmarisRequestContext
    ) async throws -> Response {
        let rawPath = request.uri.path
        guard rawPath.hasPrefix(prefix) else { throw APIError(.notFound, "Not found") }
        guard let path = String(rawPath.dropFirst(prefix.count)).removingPercentEncoding else {
            throw APIError.badRequest("Invalid path")
        }
        let segments: [String]
        do {
            segments = try StaticFileFolder.segments(of: path)
        } catch .traversal {
            throw APIError.badRequest("Invalid path")
        } catch {
            throw APIError(.notFound, "Not found")
        }
        let headers: HTTPFields = [.cacheControl: cacheControl, .xContentTypeOptions: "nosniff"]
        return try await folder.response(segments: segments, headers: headers, request: request)
    }

    // MARK: Content-Security-Policy

    /// `scheme://host[:port]` of an http(s) URL whose host is a plain DNS name or address; nil
    /// otherwise, so nothing odd can reach the header.
    static func origin(of urlString: String) -> String? {
        guard let components = URLComponents(string: urlString),
            let scheme = components.scheme?.lowercased(), scheme == "https" || scheme == "http",
            let host = components.host, !host.isEmpty,
            host.unicodeScalars.allSatisfy({ CharacterSet.alphanumerics.contains($0) && $0.isASCII || ".-:[]".unicodeScalars.contains($0) })
        else { return nil }
        let port = components.port.map { ":\($0)" } ?? ""
        return "\(scheme)://\(host.lowercased())\(port)"
    }

    static func contentSecurityPolicy(connectingTo origin: String?) -> String {
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "font-src 'self'",
            "connect-src 'self'" + (origin.map { " " + $0 } ?? ""),
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ].joined(separator: "; ")
    }
}

/// Header names HTTPTypes does not define.
private enum PageHeaderName {
    static let frameOptions = HTTPField.Name("X-Frame-Options")!
    static let referrerPolicy = HTTPField.Name("Referrer-Policy")!
}

/// A folder whose files may be served, read on a thread pool so the event loop never waits on disk.
///
/// A request path is only ever a list of plain names (letters, digits, `.`, `_`, `-`, no leading dot):
/// `..`, absolute paths, empty segments, backslashes and hidden files are refused before the disk is
/// touched. The file's real path (symbolic links resolved) must still lie inside the folder's real path,
/// so a link that points elsewhere is not followed out of it. Only regular files of known types and at
/// most `maxFileSize` bytes are served.
///
/// Not Hummingbird's `FileMiddleware`: it serves hidden files (a stray `.env` beside the pages) and any
/// extension, and follows symbolic links out of its folder; it also cannot give the HTML pages their
/// own security headers. What it does better (ranges, streaming large files) these small files do not
/// need.
struct StaticFileFolder: Sendable {
    let root: String
    let maxFileSize: Int
    let threadPool: NIOThreadPool

    init(root: String, maxFileSize: Int = 4 * 1024 * 1024, threadPool: NIOThreadPool = .singleton) {
        self.root = root
        self.maxFileSize = maxFileSize
        self.threadPool = threadPool
    }

    enum Lookup: Sendable, Equatable {
        case file(contents: Data, contentType: String, eTag: String)
        case notModified(eTag: String)
        case notFound
    }

    /// Why a request path is refused before any lookup.
    enum PathError: Error, Equatable {
        /// `..`, an absolute path, a backslash, a NUL: an attempt to leave the folder.
        case traversal
        /// Not a plain file name (hidden file, empty segment, odd characters, unknown type).
        case notServable
    }

    /// The segments of `path` (relative to the folder, already percent-decoded), or why it is refused.
    static func segments(of path: String) throws(PathError) -> [String] {
        if path.hasPrefix("/") || path.contains("\\") || path.contains("\0") { throw .traversal }
        let parts = path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        if parts.contains("..") || parts.contains(".") { throw .traversal }
        guard !parts.isEmpty, parts.count <= 8 else { throw .notServable }
        for part in parts {
            guard isPlainName(part) else { throw .notServable }
        }
        guard let last = parts.last, contentType(forFileName: last) != nil else { throw .notServable }
        return parts
    }

    private static func isPlainName(_ name: String) -> Bool {
        guard !name.isEmpty, name.utf8.count <= 128, name.first != "." else { return false }
        return name.unicodeScalars.allSatisfy { scalar in
            switch scalar {
            case "a"..."z", "A"..."Z", "0"..."9", ".", "_", "-": return true
            default: return false
            }
        }
    }

    /// The media types served; anything else is not served at all.
    static func contentType(forFileName name: String) -> String? {
        guard let dot = name.lastIndex(of: ".") else { return nil }
        switch name[name.index(after: dot)...].lowercased() {
        case "html": return "text/html; charset=utf-8"
        case "js", "mjs": return "text/javascript; charset=utf-8"
        case "css": return "text/css; charset=utf-8"
        case "json", "map": return "application/json; charset=utf-8"
        case "svg": return "image/svg+xml"
        case "png": return "image/png"
        case "ico": return "image/x-icon"
        case "txt": return "text/plain; charset=utf-8"
        case "woff2": return "font/woff2"
        default: return nil
        }
    }

    /// Looks the file up and reads it on the thread pool. `ifNoneMatch` short-circuits to
    /// `.notModified` when it names the file's current entity tag.
    func load(segments: [String], ifNoneMatch: String?) async throws -> Lookup {
        let root = self.root
        let maxFileSize = self.maxFileSize
        return try await threadPool.runIfActive {
            Self.loadBlocking(root: root, segments: segments, ifNoneMatch: ifNoneMatch, maxFileSize: maxFileSize)
        }
    }

    private static func loadBlocking(root: String, segments: [String], ifNoneMatch: String?, maxFileSize: Int) -> Lookup {
        guard let contentType = segments.last.flatMap(contentType(forFileName:)),
            let realRoot = realPath(root),
            let realFile = realPath(([root] + segments).joined(separator: "/")),
            realFile.hasPrefix(realRoot.hasSuffix("/") ? realRoot : realRoot + "/")
        else { return .notFound }

        var info = stat()
        guard stat(realFile, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, Int(info.st_size) <= maxFileSize else {
            return .notFound
        }
        #if canImport(Darwin)
        let modified = info.st_mtimespec
        #else
        let modified = info.st_mtim
        #endif
        let eTag = entityTag(size: Int(info.st_size), modifiedSeconds: Int(modified.tv_sec), nanoseconds: Int(modified.tv_nsec))
        let candidates = (ifNoneMatch ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        if candidates.contains(eTag) || candidates.contains("*") {
            return .notModified(eTag: eTag)
        }
        guard let contents = FileManager.default.contents(atPath: realFile), contents.count <= maxFileSize else { return .notFound }
        return .file(contents: contents, contentType: contentType, eTag: eTag)
    }

    private static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// A weak tag from size and modification time, as the file changes whenever either does.
    static func entityTag(size: Int, modifiedSeconds: Int, nanoseconds: Int) -> String {
        "W/\"\(String(size, radix: 16))-\(String(modifiedSeconds, radix: 16))-\(String(nanoseconds, radix: 16))\""
    }
}
