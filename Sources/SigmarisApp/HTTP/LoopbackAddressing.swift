import Hummingbird

/// The check a development-only way in makes before it answers (dev sign-in, and requests admitted
/// without credentials when auth is disabled): a web page open in the developer's browser can send
/// requests to 127.0.0.1 too, and through DNS rebinding even read the answers.
///
/// The `Host` must be a loopback name (DNS rebinding points a foreign name at 127.0.0.1, and the
/// browser then sends that foreign name), and an `Origin`, when present, must be this same host over
/// http (another local app's page is not). Both refusals are 403 JSON errors with the reasons
/// `forbidden_host` and `forbidden_origin`.
struct LoopbackAddressing: Sendable {
    let foreignHost: APIError
    let foreignOrigin: APIError

    /// `subject` names what refuses, in the error messages ("Dev sign-in").
    init(subject: String) {
        foreignHost = APIError(.forbidden, "\(subject) answers only requests addressed to a loopback host", reason: "forbidden_host")
        foreignOrigin = APIError(.forbidden, "\(subject) answers only pages of this server", reason: "forbidden_origin")
    }

    func check(_ request: Request) throws(APIError) {
        try check(authority: request.head.authority, origin: request.headers[.origin])
    }

    func check(authority: String?, origin: String?) throws(APIError) {
        guard let authority, let host = Self.hostName(ofAuthority: authority),
              SigmarisConfiguration.isLoopback(host: host)
        else { throw foreignHost }
        if let origin, origin.lowercased() != "http://" + authority.lowercased() {
            throw foreignOrigin
        }
    }

    /// `host`, `host:port`, `[v6]` or `[v6]:port` → the host; nil for anything else.
    static func hostName(ofAuthority authority: String) -> String? {
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return nil }
            let rest = authority[authority.index(after: close)...]
            guard rest.isEmpty || (rest.hasPrefix(":") && UInt16(rest.dropFirst()) != nil) else { return nil }
            return String(authority[...close])
        }
        let parts = authority.split(separator: ":", omittingEmptySubsequences: false)
        switch parts.count {
        case 1: return parts[0].isEmpty ? nil : String(parts[0])
        case 2: return parts[0].isEmpty || UInt16(parts[1]) == nil ? nil : String(parts[0])
        default: return nil
        }
    }
}
