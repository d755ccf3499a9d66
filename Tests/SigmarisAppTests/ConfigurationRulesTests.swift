import Foundation
import SigmarisApp
import Testing

/// The start-up refusals of docs/security.md, one by one: each names its variable, never its value.
@Suite("Configuration rules")
struct ConfigurationRulesTests {
    static let secret = String(repeating: "k", count: SigmarisConfiguration.minimumHMACSecretBytes)

    func refusal(_ environment: [String: String], serving: Bool = false) -> ConfigurationError? {
        do {
            let configuration = try SigmarisConfiguration(environment: environment)
            if serving { try configuration.validateForServing() }
            return nil
        } catch {
            return error
        }
    }

    @Test func aSecretUnder32BytesIsRefused() {
        let short = String(repeating: "k", count: 31)
        let error = refusal(["SUPABASE_JWT_SECRET": short])
        #expect(error?.variable == "SUPABASE_JWT_SECRET")
        #expect(error?.description.contains(short) == false)
        #expect(refusal(["SUPABASE_JWT_SECRET": Self.secret]) == nil)
        // Bytes, not characters: 11 three-byte characters are 33 bytes.
        #expect(refusal(["SUPABASE_JWT_SECRET": String(repeating: "鍵", count: 11)]) == nil)
    }

    @Test(arguments: [
        ("SUPABASE_URL", "http://abc.supabase.co"),
        ("SUPABASE_JWKS_URL", "http://keys.example/jwks.json"),
        ("OPENAI_BASE_URL", "http://llm.example:8080/v1"),
        ("SIGMARIS_CORE_URL", "http://core:8001"),
        ("SIGMARIS_CORE_URL", "http://10.0.0.5:8001"),
        ("OPENAI_BASE_URL", "http://127.0.0.1.nip.io/v1"),
    ])
    func plainHTTPToAnotherHostIsRefused(name: String, value: String) {
        let error = refusal([name: value, "SUPABASE_JWT_SECRET": Self.secret])
        #expect(error?.variable == name)
        #expect(error?.expected.contains("https://") == true)
    }

    @Test(arguments: [
        ("SUPABASE_URL", "http://127.0.0.1:54321"),
        ("SUPABASE_JWKS_URL", "http://localhost:9999/jwks.json"),
        ("SUPABASE_JWKS_URL", "file:///etc/sigmaris/jwks.json"),
        ("OPENAI_BASE_URL", "http://[::1]:11434/v1"),
        ("SIGMARIS_CORE_URL", "http://127.0.0.2:8001"),
        ("SIGMARIS_CORE_URL", "https://core.example"),
    ])
    func httpsOrLoopbackIsAccepted(name: String, value: String) {
        #expect(refusal([name: value, "SUPABASE_JWT_SECRET": Self.secret]) == nil)
    }

    @Test(arguments: ["SIGMARIS_DEV_SIGNIN", "SIGMARIS_AUTH_DISABLED"])
    func developmentSwitchesNeedALoopbackListener(name: String) {
        for host in ["0.0.0.0", "::", "192.168.1.10", "sigmaris.example"] {
            let error = refusal([name: "true", "HOST": host, "SUPABASE_JWT_SECRET": Self.secret])
            #expect(error?.variable == name, "HOST=\(host)")
        }
        for host in ["127.0.0.1", "localhost", "::1"] {
            #expect(refusal([name: "true", "HOST": host, "SUPABASE_JWT_SECRET": Self.secret]) == nil, "HOST=\(host)")
        }
    }

    @Test(arguments: ["SIGMARIS_DEV_SIGNIN", "SIGMARIS_AUTH_DISABLED"])
    func developmentSwitchesRefuseASupabaseProject(name: String) {
        let error = refusal([name: "true", "SUPABASE_URL": "https://abc.supabase.co", "SUPABASE_JWT_SECRET": Self.secret])
        #expect(error?.variable == name)
        #expect(error?.expected.contains("SUPABASE_URL") == true)
    }

    @Test func devSignInNeedsTheSecret() {
        #expect(refusal(["SIGMARIS_DEV_SIGNIN": "true", "SUPABASE_JWKS_URL": "file:///jwks.json"])?.variable == "SIGMARIS_DEV_SIGNIN")
    }

    @Test func servingNeedsAWayToVerifyTokens() {
        #expect(refusal([:]) == nil, "migrate and token need no auth configuration")
        #expect(refusal([:], serving: true)?.variable == "SUPABASE_JWT_SECRET")
        #expect(refusal(["SIGMARIS_AUTH_DISABLED": "true"], serving: true)?.variable == "SUPABASE_JWT_SECRET")
        #expect(refusal(["SUPABASE_JWT_SECRET": Self.secret], serving: true) == nil)
        #expect(refusal(["SUPABASE_URL": "https://abc.supabase.co"], serving: true) == nil)
        #expect(refusal(["SUPABASE_JWKS_URL": "file:///jwks.json"], serving: true) == nil)
    }

    /// What Docker Compose makes of `SUPABASE_JWT_SECRET=           # legacy HS256 JWT secret …`: the
    /// note itself, 86 characters that would pass the length rule.
    static let composeReadComment = "# legacy HS256 JWT secret (Project Settings → API → JWT secret); 32 bytes at least"

    @Test(arguments: [
        "SUPABASE_JWT_SECRET", "SUPABASE_SERVICE_ROLE_KEY", "SUPABASE_ANON_KEY", "OPENAI_API_KEY", "SIGMARIS_METRICS_TOKEN",
        "SIGMARIS_JWT_ISSUER", "SIGMARIS_JWT_AUDIENCE", "SUPABASE_URL", "SUPABASE_JWKS_URL", "OPENAI_BASE_URL", "SIGMARIS_CORE_URL",
    ])
    func aCommentReadAsTheValueIsRefused(name: String) {
        let values = [
            Self.composeReadComment, "#" + String(repeating: "k", count: 40), "# https://abc.supabase.co",
            "two words", "https://abc.supabase.co #note", "tab\tinside-" + Self.secret, Self.secret + "\n",
        ]
        for value in values {
            var environment = ["SUPABASE_JWT_SECRET": Self.secret]
            environment[name] = value
            let error = refusal(environment)
            #expect(error?.variable == name, "\(name)=\(value.debugDescription)")
            #expect(error?.expected.contains("#") == true)
            #expect(error?.description.contains(value.trimmingCharacters(in: .whitespaces)) == false, "the message never holds the value")
        }
    }

    /// libpq's `key=value` form has blanks between its pairs; only the `#` start is a comment.
    @Test func theDatabaseURLMayHaveBlanksButNotStartWithAComment() throws {
        #expect(refusal(["DATABASE_URL": "# a postgresql:// URI or a libpq key=value string"])?.variable == "DATABASE_URL")
        #expect(refusal(["DATABASE_URL": "#host=db dbname=sigmaris"])?.variable == "DATABASE_URL")
        let configuration = try SigmarisConfiguration(environment: ["DATABASE_URL": "host=127.0.0.1 port=5432 dbname=sigmaris user=sigmaris"])
        #expect(configuration.databaseURL == "host=127.0.0.1 port=5432 dbname=sigmaris user=sigmaris")
    }

    @Test func blanksAroundAValueAreNotPartOfIt() throws {
        let configuration = try SigmarisConfiguration(environment: ["SUPABASE_JWT_SECRET": "  " + Self.secret + "\t", "SUPABASE_URL": " https://abc.supabase.co "])
        #expect(configuration.supabaseJWTSecret == Self.secret)
        #expect(configuration.supabaseURL?.absoluteString == "https://abc.supabase.co")
    }

    @Test func metricsBeyondLoopbackNeedTheTokenOrSayingSo() {
        let token = String(repeating: "m", count: SigmarisConfiguration.minimumMetricsTokenBytes)
        for host in ["0.0.0.0", "::", "192.168.1.10", "sigmaris.example"] {
            let base = ["HOST": host, "SUPABASE_JWT_SECRET": Self.secret]
            let error = refusal(base, serving: true)
            #expect(error?.variable == "SIGMARIS_METRICS_TOKEN", "HOST=\(host)")
            #expect(error?.expected.contains("SIGMARIS_METRICS_PUBLIC=true") == true)
            #expect(refusal(base) == nil, "migrate and token serve no /metrics")
            #expect(refusal(base.merging(["SIGMARIS_METRICS_TOKEN": token]) { $1 }, serving: true) == nil, "HOST=\(host)")
            #expect(refusal(base.merging(["SIGMARIS_METRICS_PUBLIC": "true"]) { $1 }, serving: true) == nil, "HOST=\(host)")
            #expect(refusal(base.merging(["SIGMARIS_METRICS_PUBLIC": "false"]) { $1 }, serving: true)?.variable == "SIGMARIS_METRICS_TOKEN")
        }
        for host in ["127.0.0.1", "localhost", "::1"] {
            #expect(refusal(["HOST": host, "SUPABASE_JWT_SECRET": Self.secret], serving: true) == nil, "HOST=\(host)")
        }
        #expect(refusal(["SIGMARIS_METRICS_PUBLIC": "sometimes"])?.variable == "SIGMARIS_METRICS_PUBLIC")
    }

    @Test func aConfigurationBuiltInCodeMeetsTheSameRules() throws {
        var configuration = SigmarisConfiguration()
        configuration.supabaseJWTSecret = "short"
        #expect(throws: ConfigurationError.self) { try configuration.validateForServing() }
        configuration.supabaseJWTSecret = Self.secret
        configuration.devSignIn = true
        configuration.host = "0.0.0.0"
        #expect { try configuration.validateForServing() } throws: { ($0 as? ConfigurationError)?.variable == "SIGMARIS_DEV_SIGNIN" }
        configuration.devSignIn = false
        #expect { try configuration.validateForServing() } throws: { ($0 as? ConfigurationError)?.variable == "SIGMARIS_METRICS_TOKEN" }
        configuration.metricsPublic = true
        try configuration.validateForServing()
    }
}
