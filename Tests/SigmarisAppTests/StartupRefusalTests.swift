import Foundation
import SigmarisTestSupport
import Testing

/// `sigmaris serve` itself: each refusal exits with 78 (EX_CONFIG) and a line that names the
/// variable, before it touches the database or a port. The process starts with an empty environment
/// and no `.env`, so a developer's settings cannot change the outcome.
@Suite("Start-up refusals of the sigmaris executable")
struct StartupRefusalTests {
    static let secret = String(repeating: "k", count: 32)

    /// The `sigmaris` binary beside the test bundle (`swift build --build-tests` builds both), or
    /// `SIGMARIS_BIN`.
    static var binary: String {
        if let path = ProcessInfo.processInfo.environment["SIGMARIS_BIN"], !path.isEmpty { return path }
        let runner = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        // …/debug/SigmarisPackageTests.xctest (Linux) or …/debug/SigmarisPackageTests.xctest/Contents/MacOS/… (macOS)
        var folder = runner.deletingLastPathComponent()
        while folder.path != "/", !FileManager.default.isExecutableFile(atPath: folder.appendingPathComponent("sigmaris").path) {
            folder = folder.deletingLastPathComponent()
        }
        return folder.appendingPathComponent("sigmaris").path
    }

    struct Outcome {
        var status: Int32
        var stderr: String
    }

    func serve(_ environment: [String: String], arguments: [String] = [], command: String = "serve") async throws -> Outcome {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("sigmaris-refusal-\(UUID())")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let assignments = environment.map { "\($0.key)=\(Self.quoted($0.value))" }.joined(separator: " ")
        let command = (["cd", Self.quoted(scratch.path), "&&", "env", "-i", assignments, Self.quoted(Self.binary), command, "--env-file", "/dev/null"]
            + arguments.map(Self.quoted)).joined(separator: " ")
        // The shell itself always succeeds; the exit status is read from the file.
        try await TestDatabase.shell("( \(command) ) >/dev/null 2>\(Self.quoted(scratch.path + "/err")) </dev/null; echo $? >\(Self.quoted(scratch.path + "/status"))")
        let status = try String(contentsOf: scratch.appendingPathComponent("status"), encoding: .utf8)
        let stderr = try String(contentsOf: scratch.appendingPathComponent("err"), encoding: .utf8)
        return Outcome(status: Int32(status.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1, stderr: stderr)
    }

    static func quoted(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    @Test func theBinaryIsBuilt() {
        #expect(FileManager.default.isExecutableFile(atPath: Self.binary), "\(Self.binary)")
    }

    @Test(arguments: [
        ("SUPABASE_JWT_SECRET", [String: String]()),
        ("SUPABASE_JWT_SECRET", ["SUPABASE_JWT_SECRET": "thirty-one-bytes-are-not-enough"]),
        ("SUPABASE_URL", ["SUPABASE_URL": "http://abc.supabase.co"]),
        ("SUPABASE_JWKS_URL", ["SUPABASE_JWT_SECRET": secret, "SUPABASE_JWKS_URL": "http://keys.example/jwks.json"]),
        ("OPENAI_BASE_URL", ["SUPABASE_JWT_SECRET": secret, "OPENAI_BASE_URL": "http://llm.example/v1"]),
        ("SIGMARIS_CORE_URL", ["SUPABASE_JWT_SECRET": secret, "SIGMARIS_CORE_URL": "http://core.example"]),
        ("SIGMARIS_DEV_SIGNIN", ["SUPABASE_JWT_SECRET": secret, "SIGMARIS_DEV_SIGNIN": "true", "HOST": "0.0.0.0"]),
        ("SIGMARIS_DEV_SIGNIN", ["SUPABASE_JWT_SECRET": secret, "SIGMARIS_DEV_SIGNIN": "true", "SUPABASE_URL": "https://abc.supabase.co"]),
        ("SIGMARIS_AUTH_DISABLED", ["SUPABASE_JWT_SECRET": secret, "SIGMARIS_AUTH_DISABLED": "true", "HOST": "0.0.0.0"]),
        ("SIGMARIS_AUTH_DISABLED", ["SUPABASE_JWT_SECRET": secret, "SIGMARIS_AUTH_DISABLED": "true", "SUPABASE_URL": "https://abc.supabase.co"]),
        // Webhooks: the URL and the secret come together, the URL like the others, the secret as the
        // Standard Webhooks specification writes it.
        ("SIGMARIS_WEBHOOK_SECRET", ["SUPABASE_JWT_SECRET": secret, "SIGMARIS_WEBHOOK_URL": "https://hooks.example/in"]),
        ("SIGMARIS_WEBHOOK_URL", ["SUPABASE_JWT_SECRET": secret, "SIGMARIS_WEBHOOK_SECRET": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"]),
        ("SIGMARIS_WEBHOOK_URL", [
            "SUPABASE_JWT_SECRET": secret, "SIGMARIS_WEBHOOK_URL": "http://hooks.example/in",
            "SIGMARIS_WEBHOOK_SECRET": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        ]),
        ("SIGMARIS_WEBHOOK_SECRET", [
            "SUPABASE_JWT_SECRET": secret, "SIGMARIS_WEBHOOK_URL": "https://hooks.example/in",
            "SIGMARIS_WEBHOOK_SECRET": "thirty-one-bytes-are-not-enough",
        ]),
        ("SIGMARIS_WEBHOOK_SECRET", [
            "SUPABASE_JWT_SECRET": secret, "SIGMARIS_WEBHOOK_URL": "https://hooks.example/in",
            "SIGMARIS_WEBHOOK_SECRET": "whsec_thirty-one-bytes-are-not-enough",
        ]),
    ])
    func refusesToStart(variable: String, environment: [String: String]) async throws {
        let outcome = try await serve(environment)
        #expect(outcome.status == 78, "\(outcome.stderr)")
        #expect(outcome.stderr.contains(variable), "\(outcome.stderr)")
        #expect(!outcome.stderr.contains("thirty-one-bytes"), "the message never holds a value")
    }

    /// What Docker Compose reads from `SUPABASE_JWT_SECRET=           # legacy HS256 JWT secret …`:
    /// the note, long enough for the length rule. Refused, and not repeated on stderr.
    @Test func aCommentReadAsTheSecretIsRefused() async throws {
        let note = "# legacy HS256 JWT secret (Project Settings → API → JWT secret); 32 bytes at least"
        let outcome = try await serve(["SUPABASE_JWT_SECRET": note])
        #expect(outcome.status == 78, "\(outcome.stderr)")
        #expect(outcome.stderr.contains("SUPABASE_JWT_SECRET"), "\(outcome.stderr)")
        #expect(!outcome.stderr.contains("legacy HS256"), "the message never holds a value")
    }

    /// The image's `HOST=0.0.0.0` without a metrics token or `SIGMARIS_METRICS_PUBLIC=true`.
    @Test func metricsBeyondLoopbackNeedATokenOrSayingSo() async throws {
        let refused = try await serve(["SUPABASE_JWT_SECRET": Self.secret, "HOST": "0.0.0.0"])
        #expect(refused.status == 78, "\(refused.stderr)")
        #expect(refused.stderr.contains("SIGMARIS_METRICS_TOKEN"), "\(refused.stderr)")
        let option = try await serve(["SUPABASE_JWT_SECRET": Self.secret], arguments: ["--host", "0.0.0.0"])
        #expect(option.status == 78, "\(option.stderr)")
        #expect(option.stderr.contains("SIGMARIS_METRICS_TOKEN"), "\(option.stderr)")
    }

    /// `serve --host` is checked like `HOST`: an option cannot slip past the rule.
    @Test func theHostOptionMeetsTheSameRule() async throws {
        let outcome = try await serve(["SUPABASE_JWT_SECRET": Self.secret, "SIGMARIS_DEV_SIGNIN": "true"], arguments: ["--host", "0.0.0.0"])
        #expect(outcome.status == 78, "\(outcome.stderr)")
        #expect(outcome.stderr.contains("SIGMARIS_DEV_SIGNIN"))
    }

    @Test func migrateWithoutADatabaseURLIsAConfigurationError() async throws {
        let outcome = try await serve([:], command: "migrate")
        #expect(outcome.status == 78)
        #expect(outcome.stderr.contains("DATABASE_URL"), "\(outcome.stderr)")
    }
}
