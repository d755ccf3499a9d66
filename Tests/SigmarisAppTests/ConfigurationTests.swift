import Foundation
import SigmarisApp
import Testing

@Suite("Configuration from the environment")
struct ConfigurationTests {
    @Test func defaultsNeedNothing() throws {
        let configuration = try SigmarisConfiguration(environment: [:])
        #expect(configuration.host == "127.0.0.1")
        #expect(configuration.port == 8000)
        #expect(configuration.jwtAudience == "authenticated")
        #expect(configuration.llmProvider == .local)
        #expect(configuration.authDisabled == false)
        #expect(configuration.databaseURL == nil)
        #expect(configuration.databaseStatementTimeoutSeconds == 10)
    }

    @Test func readsEveryDocumentedVariable() throws {
        let configuration = try SigmarisConfiguration(environment: [
            "DATABASE_URL": "postgresql://u:p@db.example.com:6543/postgres?sslmode=require",
            "HOST": "0.0.0.0", "PORT": "9000", "DATABASE_POOL_SIZE": "7", "DATABASE_STATEMENT_TIMEOUT": "25",
            "SUPABASE_URL": "https://abc.supabase.co", "SUPABASE_JWT_SECRET": String(repeating: "s", count: 32),
            "SUPABASE_JWKS_URL": "https://abc.supabase.co/auth/v1/.well-known/jwks.json",
            "SUPABASE_SERVICE_ROLE_KEY": "k", "SIGMARIS_JWT_AUDIENCE": "aud",
            "SIGMARIS_AUTH_DISABLED": "false", "SIGMARIS_LLM_PROVIDER": "openai", "OPENAI_API_KEY": "sk",
            "OPENAI_BASE_URL": "http://127.0.0.1:9999/v1", "SIGMARIS_PERSONA_MODEL": "m",
            "SIGMARIS_EMBEDDING_MODEL": "e", "SIGMARIS_CORE_URL": "https://core:8001",
            "SIGMARIS_TRACE": "0", "SIGMARIS_TRACE_TEXT": "yes", "SIGMARIS_RAISE_LLM_ERRORS": "on",
            "SIGMARIS_METRICS_PUBLIC": "true",
        ])
        #expect(configuration.host == "0.0.0.0")
        #expect(configuration.port == 9000)
        #expect(configuration.databasePoolSize == 7)
        #expect(configuration.databaseStatementTimeoutSeconds == 25)
        // The issuer follows from the project URL unless set.
        #expect(configuration.jwtIssuer == "https://abc.supabase.co/auth/v1")
        #expect(configuration.jwtAudience == "aud")
        #expect(configuration.authDisabled == false)
        #expect(configuration.llmProvider == .openai)
        #expect(configuration.openAIBaseURL.absoluteString == "http://127.0.0.1:9999/v1")
        #expect(configuration.coreURL?.absoluteString == "https://core:8001")
        #expect(configuration.trace == false)
        #expect(configuration.traceText)
        #expect(configuration.raiseLLMErrors)
        #expect(configuration.metricsPublic)
    }

    @Test(arguments: [
        ("PORT", "eighty"),
        ("PORT", "70000"),
        ("DATABASE_POOL_SIZE", "-3"),
        ("DATABASE_STATEMENT_TIMEOUT", "forever"),
        ("SUPABASE_URL", "not a url"),
        ("SUPABASE_JWKS_URL", "ftp://example.com/jwks"),
        ("OPENAI_BASE_URL", "localhost:8080"),
        ("SIGMARIS_CORE_URL", "http://"),
        ("SIGMARIS_TRACE", "maybe"),
        ("SIGMARIS_LLM_PROVIDER", "anthropic"),
        ("DATABASE_URL", "just-a-word"),
    ])
    func badValuesNameTheVariable(name: String, value: String) {
        #expect {
            try SigmarisConfiguration(environment: [name: value])
        } throws: { error in
            let error = error as? ConfigurationError
            return error?.variable == name && error?.description.contains(value) == false
        }
    }

    @Test func readsTheWebhookURLAndSecretAndNeverDescribesTheSecret() throws {
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
        let configuration = try SigmarisConfiguration(environment: [
            "SIGMARIS_WEBHOOK_URL": "https://hooks.example/in", "SIGMARIS_WEBHOOK_SECRET": secret,
        ])
        #expect(configuration.webhookURL?.absoluteString == "https://hooks.example/in")
        #expect(configuration.webhookSigner != nil)
        #expect(!String(describing: configuration).contains("MfKQ9r8GKYqrTwjUPD8"))
        // Loopback may be plain http, like every other outbound URL.
        #expect(throws: Never.self) {
            try SigmarisConfiguration(environment: ["SIGMARIS_WEBHOOK_URL": "http://127.0.0.1:9000/in", "SIGMARIS_WEBHOOK_SECRET": secret])
        }
        #expect {
            try SigmarisConfiguration(environment: ["SIGMARIS_WEBHOOK_URL": "https://hooks.example/in", "SIGMARIS_WEBHOOK_SECRET": "whsec_c2hvcnQ="])
        } throws: { error in
            let error = error as? ConfigurationError
            return error?.variable == "SIGMARIS_WEBHOOK_SECRET" && error?.description.contains("c2hvcnQ") == false
        }
    }

    @Test func openAIWithoutAKeyIsRefused() {
        #expect(throws: ConfigurationError(variable: "OPENAI_API_KEY", expected: "set when SIGMARIS_LLM_PROVIDER=openai targets api.openai.com")) {
            try SigmarisConfiguration(environment: ["SIGMARIS_LLM_PROVIDER": "openai"])
        }
    }

    @Test func anAPIKeyAloneSelectsOpenAI() throws {
        #expect(try SigmarisConfiguration(environment: ["OPENAI_API_KEY": "sk"]).llmProvider == .openai)
    }

    @Test func emptyValuesMeanDefault() throws {
        #expect(try SigmarisConfiguration(environment: ["PORT": "", "HOST": " "]).port == 8000)
    }

    @Test func dotEnvParsingAndPrecedence() throws {
        let parsed = DotEnv.parse("""
            # comment
            export PORT=9001
            HOST = "0.0.0.0"
            SUPABASE_JWT_SECRET='a#b=c'
            MULTI="line\\nbreak"
            not a pair
            EMPTY=   # only a comment
            """)
        #expect(parsed == ["PORT": "9001", "HOST": "0.0.0.0", "SUPABASE_JWT_SECRET": "a#b=c", "MULTI": "line\nbreak", "EMPTY": ""])

        let file = FileManager.default.temporaryDirectory.appendingPathComponent("sigmaris-\(UUID()).env")
        try "PORT=9001\nHOST=0.0.0.0\n".write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let merged = DotEnv.merged(environment: ["PORT": "9002"], dotEnvPath: file.path)
        #expect(merged["PORT"] == "9002")
        #expect(merged["HOST"] == "0.0.0.0")
        #expect(DotEnv.merged(environment: ["A": "1"], dotEnvPath: "/no/such/file") == ["A": "1"])
    }
}

@Suite(".env.example")
struct EnvExampleTests {
    static let text: String = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return (try? String(contentsOf: root.appendingPathComponent(".env.example"), encoding: .utf8)) ?? ""
    }()

    /// Every variable the configuration reads (found in its source, so a new one cannot be forgotten),
    /// set (`NAME=value`) or, for one left unset, commented out (`# NAME=`).
    @Test func documentsEveryVariable() throws {
        let source = try String(
            contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().appendingPathComponent("Sources/SigmarisApp/Configuration/SigmarisConfiguration.swift"),
            encoding: .utf8)
        let read = try Regex(#"read\.[a-zA-Z]+\("([A-Z][A-Z0-9_]+)""#)
        let names = Set(source.matches(of: read).compactMap { $0.output[1].substring.map(String.init) })
        #expect(names.count > 30, "the variables are no longer read as `read.kind(\"NAME\"`: \(names.sorted())")
        let lines = Self.text.split(separator: "\n")
        for name in names.sorted() {
            #expect(lines.contains { $0.hasPrefix("\(name)=") || $0.hasPrefix("# \(name)=") }, "\(name) missing from .env.example")
        }
    }

    @Test func isAValidConfigurationAsIs() throws {
        let configuration = try SigmarisConfiguration(environment: DotEnv.parse(Self.text))
        #expect(configuration.port == 8000)
        #expect(configuration.llmProvider == .local)
        #expect(configuration.authDisabled == false)
    }
}
