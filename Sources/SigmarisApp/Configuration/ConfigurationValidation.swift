import Foundation

/// The rules a configuration must meet before anything starts (docs/security.md says why each exists).
/// Every refusal is a `ConfigurationError` naming the variable; the executable exits with 78 (EX_CONFIG).
extension SigmarisConfiguration {
    /// HMAC-SHA256 with a shorter key can be brute-forced offline from any one token it signed.
    public static let minimumHMACSecretBytes = 32
    /// A metrics token shorter than this could be guessed by a scraper's neighbours.
    public static let minimumMetricsTokenBytes = 32

    /// The rules that hold for every command (`serve`, `migrate`, `token`).
    public func validate() throws(ConfigurationError) {
        if let secret = supabaseJWTSecret, secret.utf8.count < Self.minimumHMACSecretBytes {
            throw ConfigurationError(
                variable: "SUPABASE_JWT_SECRET",
                expected: "at least \(Self.minimumHMACSecretBytes) bytes (a shorter secret can be guessed from any token; `openssl rand -hex 32` makes one)")
        }
        if let token = metricsToken {
            // A scraper sends it as a bearer token, so it must be one (token68) and hard to guess.
            let isToken68 = token.utf8.allSatisfy { byte in
                (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                    || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || "-._~+/=".utf8.contains(byte)
            }
            if token.utf8.count < Self.minimumMetricsTokenBytes || !isToken68 {
                throw ConfigurationError(
                    variable: "SIGMARIS_METRICS_TOKEN",
                    expected: "at least \(Self.minimumMetricsTokenBytes) characters of A-Z a-z 0-9 - . _ ~ + / = (`openssl rand -hex 32` makes one)")
            }
        }
        // These URLs carry keys (the anon key, OPENAI_API_KEY, the service credential) or deliver the
        // keys tokens are checked with: over plain HTTP a man in the middle reads or replaces them.
        try requireSecureTransport(supabaseURL, variable: "SUPABASE_URL")
        try requireSecureTransport(supabaseJWKSURL, variable: "SUPABASE_JWKS_URL", allowFile: true)
        try requireSecureTransport(openAIBaseURL, variable: "OPENAI_BASE_URL")
        try requireSecureTransport(coreURL, variable: "SIGMARIS_CORE_URL")
        // The events name users and operators' reasons; the secret only proves who sent them.
        try requireSecureTransport(webhookURL, variable: "SIGMARIS_WEBHOOK_URL")
        if webhookURL != nil, webhookSigner == nil {
            throw ConfigurationError(
                variable: "SIGMARIS_WEBHOOK_SECRET",
                expected: "set when SIGMARIS_WEBHOOK_URL is (whsec_ followed by the base64 of 24 to 64 random bytes; `echo whsec_$(openssl rand -base64 32)` makes one)")
        }
        if webhookURL == nil, webhookSigner != nil {
            throw ConfigurationError(variable: "SIGMARIS_WEBHOOK_URL", expected: "set when SIGMARIS_WEBHOOK_SECRET is (where the signed events go)")
        }

        if devSignIn {
            if supabaseJWTSecret == nil {
                throw ConfigurationError(variable: "SIGMARIS_DEV_SIGNIN", expected: "used together with SUPABASE_JWT_SECRET (dev tokens are signed with it)")
            }
            try requireDevelopmentOnly(variable: "SIGMARIS_DEV_SIGNIN")
        }
        if authDisabled {
            try requireDevelopmentOnly(variable: "SIGMARIS_AUTH_DISABLED")
        }
        if coreURL != nil, supabaseServiceRoleKey == nil, supabaseJWTSecret == nil {
            throw ConfigurationError(variable: "SIGMARIS_CORE_URL", expected: "used with SUPABASE_JWT_SECRET or SUPABASE_SERVICE_ROLE_KEY (the remote core needs a service credential)")
        }
        if llmProvider == .openai, openAIAPIKey == nil, openAIBaseURL.host == "api.openai.com" {
            throw ConfigurationError(variable: "OPENAI_API_KEY", expected: "set when SIGMARIS_LLM_PROVIDER=openai targets api.openai.com")
        }
    }

    /// `validate()`, plus what a server needs: a way to verify tokens. Without one every token would be
    /// refused, and the tempting "fix" is a known default secret (what docker-compose once shipped).
    /// And `/metrics` beyond loopback only behind its token, or open because someone said so.
    public func validateForServing() throws(ConfigurationError) {
        try validate()
        if supabaseJWTSecret == nil, supabaseURL == nil, supabaseJWKSURL == nil {
            throw ConfigurationError(
                variable: "SUPABASE_JWT_SECRET",
                expected: "set (\(Self.minimumHMACSecretBytes) bytes or more), or SUPABASE_URL or SUPABASE_JWKS_URL set for asymmetric keys: the server has no way to verify a token")
        }
        // Off loopback an open /metrics tells anyone who reaches the port the request and turn
        // counts, the provider's error rates and the pool's load. Open there only on purpose.
        if !listensOnLoopbackOnly, metricsToken == nil, !metricsPublic {
            throw ConfigurationError(
                variable: "SIGMARIS_METRICS_TOKEN",
                expected: "set when HOST is not a loopback address (`openssl rand -hex 32` makes one), or SIGMARIS_METRICS_PUBLIC=true to serve GET /metrics to anyone who reaches the port")
        }
    }

    /// Whether `HOST` binds the loopback interface only (127.0.0.0/8, ::1, localhost).
    public var listensOnLoopbackOnly: Bool { Self.isLoopback(host: host) }

    /// A development switch hands out identities, so it may only run where no one else can reach the
    /// server, and never next to a real Supabase project (whose issuer its tokens would carry).
    private func requireDevelopmentOnly(variable: String) throws(ConfigurationError) {
        guard listensOnLoopbackOnly else {
            throw ConfigurationError(variable: variable, expected: "off unless HOST is a loopback address (127.0.0.1, ::1 or localhost): it is a development switch")
        }
        guard supabaseURL == nil else {
            throw ConfigurationError(variable: variable, expected: "off when SUPABASE_URL is set: it is a development switch")
        }
    }

    private func requireSecureTransport(_ url: URL?, variable: String, allowFile: Bool = false) throws(ConfigurationError) {
        guard let url, let scheme = url.scheme?.lowercased() else { return }
        if scheme == "https" || (allowFile && scheme == "file") { return }
        if scheme == "http", Self.isLoopback(host: url.host ?? "") { return }
        throw ConfigurationError(variable: variable, expected: "an https:// URL (http:// only for a loopback host such as 127.0.0.1 or localhost)")
    }

    static func isLoopback(host: String) -> Bool {
        var name = host.lowercased()
        if name.hasPrefix("["), name.hasSuffix("]") { name = String(name.dropFirst().dropLast()) }
        if name == "localhost" || name == "::1" || name == "0:0:0:0:0:0:0:1" { return true }
        let octets = name.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4, octets[0] == "127" else { return false }
        return octets.allSatisfy { part in
            guard let value = UInt8(part), String(value) == part else { return false }
            return true
        }
    }
}
