import Foundation
import Logging
import SigmarisCurl

/// Where the issuer's public keys (a JWKS document) come from, and how to fetch them.
///
/// `SUPABASE_JWKS_URL` wins; otherwise a project's keys live at
/// `<SUPABASE_URL>/auth/v1/.well-known/jwks.json`; with neither there is no JWKS and only HS256
/// tokens can verify.
public struct JWKSSource: Sendable {
    public enum Location: Sendable, Equatable {
        /// Fetched with an HTTP GET through `CurlHTTPClient`.
        case remote(URL)
        /// Read from disk on every fetch, so replacing the file rotates the keys.
        case file(URL)
    }

    /// A real JWKS is a few KiB; anything this large is not one, and is not worth holding in memory.
    public static let maximumDocumentBytes = 256 * 1024
    /// A fetch (its retry included) waits this long at most; lookups that need new keys wait on the fetch.
    public static let requestTimeout: Duration = .seconds(10)

    public let location: Location
    /// Supabase's anon (publishable) key, sent as `apikey` because the project's API gateway may ask
    /// for it. Only ever sent to the project's own host, never to a foreign `SUPABASE_JWKS_URL`.
    let apiKey: String?

    public init(location: Location, apiKey: String? = nil) {
        self.location = location
        self.apiKey = apiKey
    }

    /// The configured source, or nil when neither variable is set.
    public init?(configuration: SigmarisConfiguration) {
        let url: URL
        if let explicit = configuration.supabaseJWKSURL {
            url = explicit
        } else if let project = configuration.supabaseURL,
                  let derived = URL(string: project.absoluteString.trimmingSuffix("/") + "/auth/v1/.well-known/jwks.json") {
            url = derived
        } else {
            return nil
        }
        if url.isFileURL {
            self.init(location: .file(url))
        } else {
            let sameHost = configuration.supabaseURL.map { Self.sameOrigin($0, url) } ?? false
            self.init(location: .remote(url), apiKey: sameHost ? configuration.supabaseAnonKey : nil)
        }
    }

    /// `scheme://host[:port]/path` or the file path: safe for logs (no query string, no userinfo).
    public var redactedDescription: String {
        switch location {
        case .file(let url):
            return url.path
        case .remote(let url):
            var text = (url.scheme ?? "?") + "://" + (url.host ?? "?")
            if let port = url.port { text += ":\(port)" }
            return text + url.path
        }
    }

    /// The closure `JWKSCache` calls whenever it needs the document.
    public func fetcher(http: CurlHTTPClient, logger: Logger) -> @Sendable () async throws -> Data {
        switch location {
        case .file(let url):
            return { try Self.read(url) }
        case .remote(let url):
            var headers: [(name: String, value: String)] = [("Accept", "application/json")]
            if let apiKey { headers.append(("apikey", apiKey)) }
            let request = HTTPRequest(method: .get, url: url.absoluteString, headers: headers)
            return { try await Self.download(request.within(Self.requestTimeout), http: http, logger: logger) }
        }
    }

    /// One quick retry for a blip (connect failure, 5xx); anything longer is the cache's business,
    /// which tries again later and keeps serving the keys it has meanwhile.
    private static let retryPolicy = RetryPolicy(maxAttempts: 2, baseBackoff: .milliseconds(250), maxRetryAfter: .seconds(2))

    private static func download(_ request: HTTPRequest, http: CurlHTTPClient, logger: Logger) async throws -> Data {
        let response: HTTPResponse
        do {
            response = try await http.send(request, retry: retryPolicy, logger: logger)
        } catch {
            throw JWKSFetchError.transport(error)
        }
        guard response.status == 200 else { throw JWKSFetchError.status(response.status) }
        guard response.body.count <= maximumDocumentBytes else { throw JWKSFetchError.tooLarge }
        return Data(response.body)
    }

    /// Synchronous, but the file is bounded and local, and this runs in the cache's fetch task on the
    /// cooperative pool, never on an event loop.
    private static func read(_ url: URL) throws -> Data {
        let handle: FileHandle
        do {
            handle = try FileHandle(forReadingFrom: url)
        } catch {
            throw JWKSFetchError.unreadableFile(url.path)
        }
        defer { try? handle.close() }
        // One byte more than allowed tells "exactly at the limit" from "too large".
        guard let data = try? handle.read(upToCount: maximumDocumentBytes + 1) else {
            throw JWKSFetchError.unreadableFile(url.path)
        }
        guard data.count <= maximumDocumentBytes else { throw JWKSFetchError.tooLarge }
        return data
    }

    private static func sameOrigin(_ a: URL, _ b: URL) -> Bool {
        a.scheme?.lowercased() == b.scheme?.lowercased() && a.host?.lowercased() == b.host?.lowercased() && a.port == b.port
    }
}

/// Why a JWKS document could not be obtained. Its description is logged by `JWKSCache`, so it holds
/// nothing secret: a status, a redacted transport error, or a local path.
public enum JWKSFetchError: Error, Sendable, CustomStringConvertible {
    case transport(OutboundHTTPError)
    case status(Int)
    case tooLarge
    case unreadableFile(String)

    public var description: String {
        switch self {
        case .transport(let error): return "JWKSFetchError(\(error))"
        case .status(let status): return "JWKSFetchError(HTTP status \(status))"
        case .tooLarge: return "JWKSFetchError(document larger than \(JWKSSource.maximumDocumentBytes) bytes)"
        case .unreadableFile(let path): return "JWKSFetchError(cannot read \(path))"
        }
    }
}
