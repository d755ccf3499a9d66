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

    @Test func aConfigurationBuiltInCodeMeetsTheSameRules() throws {
        var configuration = SigmarisConfiguration()
        configuration.supabaseJWTSecret = "short"
        #expect(throws: ConfigurationError.self) { try configuration.validateForServing() }
        configuration.supabaseJWTSecret = Self.secret
        configuration.devSignIn = true
        configuration.host = "0.0.0.0"
        #expect { try configuration.validateForServing() } throws: { ($0 as? ConfigurationError)?.variable == "SIGMARIS_DEV_SIGNIN" }
    }
}
