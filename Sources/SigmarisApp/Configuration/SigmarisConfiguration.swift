import Foundation
import SigmarisStore

/// Everything the service reads from its environment (and an optional `.env`; the environment wins).
/// `.env.example` documents each variable; the names below are the contract.
public struct SigmarisConfiguration: Sendable {
    public enum LLMProvider: String, Sendable { case local, openai }

    // Server
    public var host = "127.0.0.1"
    public var port = 8000
    public var logLevel = "info"
    /// Seconds a client has to send a complete request head (from connecting or from the previous response).
    public var headerReadTimeoutSeconds = 10
    /// Seconds a client has to send a complete request body once the head arrived.
    public var bodyReadTimeoutSeconds = 30
    /// When set, `GET /metrics` answers only requests bearing it; otherwise anyone may scrape.
    public var metricsToken: String?
    /// Says that an open `GET /metrics` on a listener beyond loopback is meant (`validateForServing()`).
    public var metricsPublic = false
    // Database
    public var databaseURL: String?
    public var databasePoolSize = 10
    public var databaseConnectTimeoutSeconds = 5
    /// Seconds a request waits for a free pooled connection before it is answered 503.
    public var databasePoolTimeoutSeconds = 5
    /// Seconds one database statement may run, lock waits included, before it is cancelled and the
    /// request answered 503 (`statement_timeout` in every transaction, and the client's own deadline).
    public var databaseStatementTimeoutSeconds = 10
    /// Prepared statements per connection; `auto` turns them off on port 6543 (Supabase's transaction pooler).
    public var databasePreparedStatements: StoreConfiguration.PreparedStatements = .auto
    public var migrationsDirectory = "sql"
    // Auth (Supabase)
    public var supabaseURL: URL?
    public var supabaseJWTSecret: String?
    public var supabaseJWKSURL: URL?
    public var supabaseServiceRoleKey: String?
    public var supabaseAnonKey: String?
    public var jwtAudience = "authenticated"
    public var jwtIssuer: String?
    /// DEV ONLY: `/persona/chat` without credentials; the same conditions as `devSignIn`.
    public var authDisabled = false
    /// Allowed disagreement between our clock and the token issuer's, for `exp` and `nbf`.
    public var jwtClockSkewSeconds = 30
    /// DEV ONLY: `POST /api/dev/token` hands out tokens for the fixed dev user, signed with the JWT
    /// secret; refused unless `host` is loopback and no `supabaseURL` is set (see `validate()`).
    public var devSignIn = false
    // Dashboard
    /// The chat and dashboard pages (HTML, JS, CSS).
    public var publicDirectory = "Public"
    /// Debian's libjs-chart.js, served at `/vendor/chart.js/`.
    public var chartJSDirectory = "/usr/share/javascript/chart.js"
    // Persona core
    public var llmProvider: LLMProvider = .local
    public var openAIAPIKey: String?
    public var openAIBaseURL = URL(string: "https://api.openai.com/v1")!
    public var personaModel = "gpt-4o-mini"
    public var embeddingModel = "text-embedding-3-small"
    public var coreURL: URL?
    public var trace = true
    public var traceText = false
    public var raiseLLMErrors = false
    // Outbound calls to the provider (and to a remote core); see "What bounds concurrency" in docs/operations.md
    /// Seconds one provider call may take in all: the wait for a place, every attempt and the waits
    /// between them (a remote core call keeps its own 90 s).
    public var providerTimeoutSeconds = 60
    /// Calls in flight at once to the provider (and, separately, to a remote core), per process.
    public var providerConcurrency = 64
    /// Calls that may wait for a place past `providerConcurrency`; one more is refused at once
    /// (`provider_busy`), and so is one whose wait outlasts its timeout.
    public var providerQueue = 64
    /// Failures in a row (refused, timed out, 5xx) that open the circuit breaker; 0 turns it off.
    public var providerBreakerFailures = 5
    /// Seconds calls fail fast (`provider_unavailable`) once the breaker opened, before one probe goes out.
    public var providerBreakerCooldownSeconds = 30
    // Limits per user (shared across instances with sharedLimits; see docs/operations.md)
    /// Turns one user may start per minute on both turn routes; 0 turns the limit off.
    public var turnRateLimitPerMinute = 30
    /// Turns of one user that may wait behind the running one; one more is a 429.
    public var maxQueuedTurns = 8
    /// Megabytes of recall windows kept in memory across turns (`RecallWindowCache`); 0 turns it off.
    public var recallCacheMegabytes = 64
    /// What recall reads: the recent window plus the archive search's best older episodes, or the
    /// recent window only (`SIGMARIS_MEMORY`, docs/engine.md §2.7).
    public var memoryMode = MemoryMode.archive
    /// How many older episodes the archive search adds to recall's candidates (`SIGMARIS_ARCHIVE_CANDIDATES`).
    public var archiveCandidates = 20
    // Limits per process (shared by all users; see docs/operations.md)
    /// Turns running or queued at once on both turn routes; one more is a 503 `busy`. 0: no cap.
    public var maxTurnsInFlight = 256
    /// Account exports streaming at once (each user has at most one anyway); one more is a 503 `busy`. 0: no cap.
    public var maxConcurrentExports = 4
    /// Count the limits above (per user and per process) in Postgres too, so that they hold across
    /// every instance on the database (`SharedLeases`, `sql/0012`); off: each process counts alone.
    public var sharedLimits = true
    // Shutdown
    /// Seconds that turns and streams in flight get to finish after SIGTERM (the listener is closed
    /// by then); past it they are cancelled, storing nothing, and the process exits.
    public var drainTimeoutSeconds = 30
    // Operators
    /// Users (token `sub`) who may call the operator routes, besides `app_metadata.role`
    /// `sigmaris_operator` and the service credential.
    public var operatorIDs: Set<UUID> = []

    /// Defaults only; for tests and for building a configuration in code.
    public init() {}

    /// Reads and validates (`validate()`); `serve` checks `validateForServing()` on top.
    public init(environment env: [String: String]) throws(ConfigurationError) {
        let read = VariableReader(env)
        // First, so that a comment taken for a value is reported as that, not as "not a URL".
        for variable in VariableReader.singleWordVariables {
            try read.requireNoCommentText(variable.name, blanksAllowed: variable.blanksAllowed)
        }
        host = read.string("HOST") ?? host
        port = try read.integer("PORT", in: 1...65535) ?? port
        headerReadTimeoutSeconds = try read.integer("SIGMARIS_HEADER_READ_TIMEOUT", in: 1...3600) ?? headerReadTimeoutSeconds
        bodyReadTimeoutSeconds = try read.integer("SIGMARIS_BODY_READ_TIMEOUT", in: 1...3600) ?? bodyReadTimeoutSeconds
        metricsToken = read.string("SIGMARIS_METRICS_TOKEN")
        metricsPublic = try read.bool("SIGMARIS_METRICS_PUBLIC") ?? metricsPublic
        logLevel = try read.choice("SIGMARIS_LOG_LEVEL", ["trace", "debug", "info", "notice", "warning", "error", "critical"]) ?? logLevel

        databaseURL = try read.databaseURL("DATABASE_URL")
        databasePoolSize = try read.integer("DATABASE_POOL_SIZE", in: 1...500) ?? databasePoolSize
        databaseConnectTimeoutSeconds = try read.integer("DATABASE_CONNECT_TIMEOUT", in: 1...300) ?? databaseConnectTimeoutSeconds
        databasePoolTimeoutSeconds = try read.integer("DATABASE_POOL_TIMEOUT", in: 1...300) ?? databasePoolTimeoutSeconds
        databaseStatementTimeoutSeconds = try read.integer("DATABASE_STATEMENT_TIMEOUT", in: 1...3600) ?? databaseStatementTimeoutSeconds
        databasePreparedStatements = try read.choice("DATABASE_PREPARED_STATEMENTS", StoreConfiguration.PreparedStatements.allCases.map(\.rawValue))
            .flatMap(StoreConfiguration.PreparedStatements.init(rawValue:)) ?? databasePreparedStatements
        migrationsDirectory = read.string("SIGMARIS_MIGRATIONS_DIR") ?? migrationsDirectory

        supabaseURL = try read.url("SUPABASE_URL", schemes: ["http", "https"])
        supabaseJWTSecret = read.string("SUPABASE_JWT_SECRET")
        supabaseJWKSURL = try read.url("SUPABASE_JWKS_URL", schemes: ["http", "https", "file"])
        supabaseServiceRoleKey = read.string("SUPABASE_SERVICE_ROLE_KEY")
        supabaseAnonKey = read.string("SUPABASE_ANON_KEY")
        jwtAudience = read.string("SIGMARIS_JWT_AUDIENCE") ?? jwtAudience
        // Supabase's issuer is `<SUPABASE_URL>/auth/v1`; checking it is free when the project is known.
        jwtIssuer = read.string("SIGMARIS_JWT_ISSUER")
            ?? supabaseURL.map { $0.absoluteString.trimmingSuffix("/") + "/auth/v1" }
        authDisabled = try read.bool("SIGMARIS_AUTH_DISABLED") ?? authDisabled
        jwtClockSkewSeconds = try read.integer("SIGMARIS_JWT_CLOCK_SKEW", in: 0...3600) ?? jwtClockSkewSeconds
        devSignIn = try read.bool("SIGMARIS_DEV_SIGNIN") ?? devSignIn
        publicDirectory = read.string("SIGMARIS_PUBLIC_DIR") ?? publicDirectory
        chartJSDirectory = read.string("SIGMARIS_CHARTJS_DIR") ?? chartJSDirectory

        openAIAPIKey = read.string("OPENAI_API_KEY")
        // An API key alone selects the OpenAI-compatible provider; without one the local provider runs.
        llmProvider = try read.choice("SIGMARIS_LLM_PROVIDER", ["local", "openai"]).flatMap(LLMProvider.init(rawValue:))
            ?? (openAIAPIKey == nil ? .local : .openai)
        openAIBaseURL = try read.url("OPENAI_BASE_URL", schemes: ["http", "https"]) ?? openAIBaseURL
        personaModel = read.string("SIGMARIS_PERSONA_MODEL") ?? personaModel
        embeddingModel = read.string("SIGMARIS_EMBEDDING_MODEL") ?? embeddingModel
        coreURL = try read.url("SIGMARIS_CORE_URL", schemes: ["http", "https"])
        trace = try read.bool("SIGMARIS_TRACE") ?? trace
        traceText = try read.bool("SIGMARIS_TRACE_TEXT") ?? traceText
        raiseLLMErrors = try read.bool("SIGMARIS_RAISE_LLM_ERRORS") ?? raiseLLMErrors
        providerTimeoutSeconds = try read.integer("SIGMARIS_PROVIDER_TIMEOUT", in: 1...3600) ?? providerTimeoutSeconds
        providerConcurrency = try read.integer("SIGMARIS_PROVIDER_CONCURRENCY", in: 1...100_000) ?? providerConcurrency
        providerQueue = try read.integer("SIGMARIS_PROVIDER_QUEUE", in: 0...100_000) ?? providerQueue
        providerBreakerFailures = try read.integer("SIGMARIS_PROVIDER_BREAKER_FAILURES", in: 0...10_000) ?? providerBreakerFailures
        providerBreakerCooldownSeconds = try read.integer("SIGMARIS_PROVIDER_BREAKER_COOLDOWN", in: 1...3600)
            ?? providerBreakerCooldownSeconds
        turnRateLimitPerMinute = try read.integer("SIGMARIS_RATE_LIMIT_PER_MINUTE", in: 0...1_000_000) ?? turnRateLimitPerMinute
        maxQueuedTurns = try read.integer("SIGMARIS_MAX_QUEUED_TURNS", in: 0...10_000) ?? maxQueuedTurns
        recallCacheMegabytes = try read.integer("SIGMARIS_RECALL_CACHE_MB", in: 0...1_000_000) ?? recallCacheMegabytes
        memoryMode = try read.choice("SIGMARIS_MEMORY", MemoryMode.allCases.map(\.rawValue)).flatMap(MemoryMode.init(rawValue:))
            ?? memoryMode
        archiveCandidates = try read.integer("SIGMARIS_ARCHIVE_CANDIDATES", in: 1...200) ?? archiveCandidates
        maxTurnsInFlight = try read.integer("SIGMARIS_MAX_TURNS_IN_FLIGHT", in: 0...1_000_000) ?? maxTurnsInFlight
        maxConcurrentExports = try read.integer("SIGMARIS_MAX_CONCURRENT_EXPORTS", in: 0...10_000) ?? maxConcurrentExports
        sharedLimits = try read.bool("SIGMARIS_SHARED_LIMITS") ?? sharedLimits
        drainTimeoutSeconds = try read.integer("SIGMARIS_DRAIN_TIMEOUT", in: 0...3600) ?? drainTimeoutSeconds
        operatorIDs = try read.uuidList("SIGMARIS_OPERATORS") ?? operatorIDs

        try validate()
    }

    /// The migrations folder as a URL (relative paths resolve against the working directory).
    public var migrationsURL: URL { URL(fileURLWithPath: migrationsDirectory) }

    /// The database URL, or a configuration error naming the variable.
    public func requireDatabaseURL() throws(ConfigurationError) -> String {
        guard let databaseURL else {
            throw ConfigurationError(variable: "DATABASE_URL", expected: "set to a libpq connection string or postgresql:// URI")
        }
        return databaseURL
    }

    /// What the store is built from: the database settings and the recall cache's size.
    public func storeConfiguration() throws(ConfigurationError) -> StoreConfiguration {
        StoreConfiguration(
            connectionString: try requireDatabaseURL(),
            poolSize: databasePoolSize,
            connectTimeoutSeconds: databaseConnectTimeoutSeconds,
            leaseTimeout: .seconds(databasePoolTimeoutSeconds),
            preparedStatements: databasePreparedStatements,
            statementTimeout: .seconds(databaseStatementTimeoutSeconds),
            recallCacheMegabytes: recallCacheMegabytes)
    }
}

/// Reads typed values; an empty value counts as unset, so `FOO=` in `.env` means "use the default".
private struct VariableReader {
    let env: [String: String]
    init(_ env: [String: String]) { self.env = env }

    /// Secrets, keys, the issuer and audience, and URLs: each is one word. Docker Compose reads the
    /// env-file line `KEY=   # a note` as the value `# a note` (it drops the blanks after `=` and
    /// takes `#` for a comment only after a blank), so a `.env` written in that style would hand the
    /// service the note as a secret, long enough to pass every other rule and public in the
    /// repository. No real value starts with `#` or has blanks inside. A libpq `key=value` string has
    /// blanks between its pairs, so `DATABASE_URL` is held to the `#` only.
    static let singleWordVariables: [(name: String, blanksAllowed: Bool)] = [
        ("SUPABASE_JWT_SECRET", false), ("SUPABASE_SERVICE_ROLE_KEY", false), ("SUPABASE_ANON_KEY", false),
        ("OPENAI_API_KEY", false), ("SIGMARIS_METRICS_TOKEN", false),
        ("SIGMARIS_JWT_ISSUER", false), ("SIGMARIS_JWT_AUDIENCE", false),
        ("SUPABASE_URL", false), ("SUPABASE_JWKS_URL", false), ("OPENAI_BASE_URL", false), ("SIGMARIS_CORE_URL", false),
        ("DATABASE_URL", true),
    ]

    /// The one rule for `singleWordVariables`; the message names the variable, never the value.
    func requireNoCommentText(_ name: String, blanksAllowed: Bool) throws(ConfigurationError) {
        guard let value = string(name) else { return }
        if value.hasPrefix("#") || (!blanksAllowed && value.contains(where: \.isWhitespace)) {
            throw ConfigurationError(
                variable: name,
                expected: (blanksAllowed ? "a value that does not start with #" : "one word, not starting with # and without blanks")
                    + " (in an env file read by Docker Compose, `KEY=   # note` sets KEY to the note: put comments on lines of their own)")
        }
    }

    func string(_ name: String) -> String? {
        guard let value = env[name]?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        return value
    }

    func integer(_ name: String, in range: ClosedRange<Int>) throws(ConfigurationError) -> Int? {
        guard let text = string(name) else { return nil }
        guard let value = Int(text), range.contains(value) else {
            throw ConfigurationError(variable: name, expected: "a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    /// Comma-separated UUIDs; blanks around commas are ignored, an empty item or a non-UUID is an error.
    func uuidList(_ name: String) throws(ConfigurationError) -> Set<UUID>? {
        guard let text = string(name) else { return nil }
        var ids = Set<UUID>()
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            guard let id = UUID(uuidString: item.trimmingCharacters(in: .whitespaces)) else {
                throw ConfigurationError(variable: name, expected: "a comma-separated list of user ids (UUIDs)")
            }
            ids.insert(id)
        }
        return ids
    }

    func bool(_ name: String) throws(ConfigurationError) -> Bool? {
        guard let text = string(name)?.lowercased() else { return nil }
        switch text {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off": return false
        default: throw ConfigurationError(variable: name, expected: "one of 1, true, yes, on, 0, false, no, off")
        }
    }

    func choice(_ name: String, _ options: [String]) throws(ConfigurationError) -> String? {
        guard let text = string(name)?.lowercased() else { return nil }
        guard options.contains(text) else {
            throw ConfigurationError(variable: name, expected: "one of " + options.joined(separator: ", "))
        }
        return text
    }

    func url(_ name: String, schemes: Set<String>) throws(ConfigurationError) -> URL? {
        guard let text = string(name) else { return nil }
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), schemes.contains(scheme),
              scheme == "file" || !(url.host ?? "").isEmpty
        else {
            throw ConfigurationError(variable: name, expected: "a URL with scheme " + schemes.sorted().joined(separator: " or "))
        }
        return url
    }

    /// libpq takes a URI or `key=value` pairs; a URI must at least parse with a host or socket path.
    func databaseURL(_ name: String) throws(ConfigurationError) -> String? {
        guard let text = string(name) else { return nil }
        if text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") {
            guard URLComponents(string: text) != nil else {
                throw ConfigurationError(variable: name, expected: "a valid postgresql:// URI (percent-encode special characters in the password)")
            }
        } else if !text.contains("=") {
            throw ConfigurationError(variable: name, expected: "a postgresql:// URI or libpq key=value connection string")
        }
        return text
    }
}

extension String {
    func trimmingSuffix(_ suffix: String) -> String {
        var s = self
        while s.hasSuffix(suffix) { s.removeLast(suffix.count) }
        return s
    }
}
